"""The client area: dashboard, My Details, My Invoices, My Services. One module per area, each registering
its views on the blueprint (hostico.client.blueprint), which imports none of them."""

from hostico.client import (  # noqa: F401  (register the views on bp)
    account_security,
    billing_data,
    checkout,
    company_lookup,
    contact,
    dashboard,
    efactura_xml,
    invoices,
    language,
    login_sessions,
    my_data,
    my_details,
    orders,
    profiles,
    proforma_edit,
    services,
)
from hostico.client.blueprint import bp

__all__ = ["bp"]

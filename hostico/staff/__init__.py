"""The staff area under /staff: one module per area, each registering its views on the blueprint
(hostico.staff.blueprint), which imports none of them."""

from hostico.staff import (  # noqa: F401  (register the views on bp)
    approvals,
    audit,
    auth,
    billing_run,
    corrections,
    credit,
    customers,
    dashboard,
    efactura,
    invoices,
    outbox,
    recovery,
    refunds,
    reports,
    services,
    statements,
)
from hostico.staff.blueprint import STAFF_MFA_KEY, bp

__all__ = ["STAFF_MFA_KEY", "bp"]

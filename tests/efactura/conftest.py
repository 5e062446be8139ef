"""Issued documents for each kind of buyer (built through the billing domain as production does), and a fake
ANAF over HTTP with the app pointed at it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.invoicing import LineSpec, create_proforma, issue_tax_invoice
from hostico.web.database import db
from tests.conftest import reconfigure
from tests.fakes.anaf_spv import FakeAnaf

# The buyer kinds e-Factura documents carry (docs/efactura.md): billing-profile data as a customer would type it.
BUYERS = {
    "person_with_cnp": dict(kind="person", name="Ana Popescu", cnp="2850315123457", address="Str. Lungă nr. 5",
                            city="Brașov", county="RO-BV", postal_code="500001", country="RO"),
    "person_without_cnp": dict(kind="person", name="Ion Ionescu", cnp=None, address="Str. Mare nr. 1",
                               city="Cluj-Napoca", county="RO-CJ", postal_code="400001", country="RO"),
    "ro_company": dict(kind="company", company_name="Exemplu SRL", cui="34567892", reg_com="J08/123/2010",
                       vat_number="RO34567892", address="Str. Lungă nr. 5", city="Brașov", county="RO-BV",
                       postal_code="500001", country="RO"),
    "ro_company_bucharest": dict(kind="company", company_name="Capitala SRL", cui="18547290",
                                 reg_com="J40/1/2000", vat_number=None, address="Bd. Unirii nr. 1",
                                 city="SECTOR3", county="RO-B", postal_code="030167", country="RO"),
    "eu_reverse_charge": dict(kind="company", company_name="Beispiel GmbH", cui="DE136695976",
                              vat_number="DE136695976", address="Hauptstraße 1", city="Berlin", county=None,
                              postal_code="10115", country="DE",
                              vies={"vat_number": "DE136695976", "status": "valid", "valid": True,
                                    "name": "Beispiel GmbH", "request_id": "WAPIAAAAZ0000000001",
                                    "checked_at": "2026-11-18T10:00:00+00:00"}),
    "non_eu_company": dict(kind="company", company_name="Example Inc.", cui="12-3456789", vat_number=None,
                           address="1 Main Street", city="Springfield", county="IL", postal_code="62701",
                           country="US"),
}
REPORTED = {"person_with_cnp", "person_without_cnp", "ro_company", "ro_company_bucharest"}


@pytest.fixture
def issue(make, session, settings):
    """Return issue(buyer_key or dict, amount=...) -> (tax invoice, credit note or None)."""

    def do(buyer="person_with_cnp", *, amount="100.00", credit=False, description="Hosting Plan Start"):
        data = dict(BUYERS[buyer]) if isinstance(buyer, str) else dict(buyer)
        customer = make.make_customer()
        profile = make.make_profile(customer, **data)
        spec = LineSpec(description=description, unit_price=Decimal(amount))
        proforma = create_proforma(session, customer, [spec], origin="order", settings=settings,
                                   today=dt.date(2026, 11, 19), profile=profile)
        proforma.status = "paid"
        tax = issue_tax_invoice(session, proforma, settings=settings, today=dt.date(2026, 11, 20))
        note = None
        if credit:
            note = issue_credit_note(session, tax, settings=settings, today=dt.date(2026, 11, 25),
                                     reason="cancelled order")
        session.commit()
        return tax, note

    return do


@pytest.fixture
def anaf_registry(app):
    """A fake PlatitorTvaRest on 127.0.0.1 that the app's ANAF_PUBLIC_URL points to."""
    from tests.fakes.anaf_registry import FakeAnafRegistry, registry_entry

    fake = FakeAnafRegistry()
    fake.companies[34567892] = registry_entry(34567892, "EXEMPLU SRL")
    fake.companies[18547290] = registry_entry(18547290, "CAPITALA SRL", street="Bd. Unirii", number="1",
                                              city="Sector 3 Mun. Bucureşti", county="MUNICIPIUL BUCUREŞTI",
                                              county_auto="B", postal="030167", reg_com="J40/1/2000", vat=False)
    fake.companies[14399840] = registry_entry(14399840, "DORMITOR SRL", inactive=True)
    reconfigure(app, ANAF_PUBLIC_URL=fake.url)
    yield fake
    fake.close()


@pytest.fixture
def anaf():
    server = FakeAnaf().start()
    yield server
    server.stop()


@pytest.fixture
def anaf_config(app, anaf):
    """The app in `test` mode against the fake ANAF, bootstrapped with a refresh token."""
    reconfigure(
        app, EFACTURA="test", ANAF_API_URL=anaf.url, ANAF_OAUTH_URL=anaf.url + "/anaf-oauth2/v1",
        ANAF_CLIENT_ID=anaf.client_id, ANAF_CLIENT_SECRET=anaf.client_secret,
        ANAF_REFRESH_TOKEN="bootstrap-refresh", ANAF_TIMEOUT=2.0, EFACTURA_RETRY_BASE_SECONDS=60,
        EFACTURA_RECHECK_MINUTES=30,
    )
    return app.config


@pytest.fixture
def session_factory(app):
    return lambda: Session(bind=db.get(app).engine, expire_on_commit=False)

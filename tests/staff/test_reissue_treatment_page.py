"""Staff reissue a Romanian person's invoice on the customer's German company profile (VIES valid): the corrected
invoice is reverse charge in EUR, outside e-Factura, and its page names the invoice it replaces and the storno."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.efactura.scope import route_for
from hostico.models import ExchangeRate, ExchangeRateSync, Invoice, utcnow
from tests.billing.test_reissue_treatment import GERMAN


def test_staff_reissue_on_a_german_company_profile_is_reverse_charge_and_cites_the_storno(
        client, make_staff, login_staff, make, session, settings):
    today = dt.date.today()
    session.add_all([ExchangeRate(day=today - dt.timedelta(days=1), currency="EUR", rate=Decimal("5.0917"),
                                  multiplier=1), ExchangeRateSync(fetched_at=utcnow(), latest_day=today)])
    customer = make.make_customer()
    german = make.make_profile(customer, **GERMAN)
    proforma = create_proforma(session, customer, [LineSpec("Hosting", Decimal("100.00"))], origin="manual",
                               settings=settings, today=today)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=today)
    tax = session.get(Invoice, payment.tax_invoice_id)
    storno = credit_tax_invoice(session, tax, settings=settings, today=today, reason="wrong buyer")
    session.commit()
    assert (tax.vat_category, tax.currency) == ("S", "RON")
    login_staff(client, make_staff("billing"))
    resp = client.post_form(f"/staff/invoices/{tax.code}/reissue",
                            {"reissue-reason": "wrong buyer", "reissue-payer": f"profile:{german.id}"},
                            token_from="/staff/")
    assert resp.status_code == 303
    again = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id, Invoice.id != tax.id))
    assert (again.vat_category, again.vat_mention, again.currency, again.vat_total) == (
        "AE", "Taxare inversă", "EUR", Decimal("0.00"))
    assert route_for(again) is None
    page = client.get(f"/staff/invoices/{again.code}").get_data(as_text=True)
    assert 'class="reissue-of"' in page and tax.code in page and storno.code in page

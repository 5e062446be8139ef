"""Corrections (docs/billing.md): partial credit notes, several per invoice up to its total, storno and reissue."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice, reissue_tax_invoice, remaining_to_credit
from hostico.billing.errors import CorrectionRefused
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.models import AuditLog, Invoice

DAY = dt.date(2026, 6, 1)


def _tax_invoice(session, make, settings, lines=(("Hosting", "100.00"), ("Domain", "50.00"))):
    c = make.make_customer()
    proforma = create_proforma(session, c, [LineSpec(d, Decimal(a)) for d, a in lines], origin="manual",
                               settings=settings, today=DAY)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=DAY)
    session.commit()
    return session.get(Invoice, payment.tax_invoice_id)


def test_credit_chosen_lines_then_an_amount_then_refuse_beyond_the_total(session, make, settings):
    tax = _tax_invoice(session, make, settings)  # 121.00 + 60.50 = 181.50
    first = credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="domain not renewed", lines=[2],
                               actor_id=None)
    assert (first.code, first.corrects_id, first.total) == ("HCN-000001", tax.id, Decimal("-60.50"))
    assert [(ln.description, ln.net, ln.vat) for ln in first.lines] == [
        ("Storno: Domain", Decimal("-50.00"), Decimal("-10.50"))]
    second = credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="discount", amount=Decimal("21.00"))
    assert (second.code, second.total, second.subtotal, second.vat_total) == (
        "HCN-000002", Decimal("-21.00"), Decimal("-17.36"), Decimal("-3.64"))
    assert remaining_to_credit(session, tax) == Decimal("100.00")
    with pytest.raises(CorrectionRefused) as err:
        credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="too much", amount=Decimal("100.01"))
    assert (err.value.code, err.value.field, err.value.params["remaining"]) == ("exceeds_remaining", "amount", "100.00")
    with pytest.raises(CorrectionRefused) as err:
        credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="twice", lines=[2])
    assert err.value.code == "line_already_credited"
    with pytest.raises(CorrectionRefused) as err:  # line 1 (121.00) is more than what is left
        credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="x", lines=[1])
    assert err.value.code == "exceeds_remaining"
    third = credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="rest")
    assert third.total == Decimal("-100.00")
    assert remaining_to_credit(session, tax) == 0
    with pytest.raises(CorrectionRefused) as err:
        credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="again")
    assert err.value.code == "fully_credited"
    session.commit()
    assert session.scalar(select(AuditLog.id).where(AuditLog.action == "invoice.credit_note_issued")) is not None


def test_storno_and_reissue_gives_the_same_sale_a_new_tax_invoice(session, make, settings):
    tax = _tax_invoice(session, make, settings, lines=(("Hosting", "100.00"),))
    with pytest.raises(CorrectionRefused) as err:  # not credited yet
        reissue_tax_invoice(session, tax, settings=settings, today=DAY, staff_id=1)
    assert err.value.code == "not_fully_credited"
    credit_tax_invoice(session, tax, settings=settings, today=DAY, reason="wrong buyer")
    buyer = {**tax.buyer, "kind": "company", "company_name": "Corect SRL", "cui": "34567892", "name": None,
             "address": "Str. Nouă 1", "city": "Iași"}
    again = reissue_tax_invoice(session, tax, settings=settings, today=DAY + dt.timedelta(days=1), staff_id=1,
                                buyer=buyer, reason="wrong buyer")
    session.commit()
    assert (again.code, again.kind, again.proforma_id, again.buyer["company_name"]) == (
        "HST-000002", "tax", tax.proforma_id, "Corect SRL")
    assert again.total == tax.total and again.collected_on == tax.collected_on
    with pytest.raises(CorrectionRefused) as err:
        reissue_tax_invoice(session, tax, settings=settings, today=DAY, staff_id=1)
    assert err.value.code == "already_reissued"

"""Money is never refused (docs/payments.md, Advances): any amount received for a proforma is invoiced when it
arrives, VAT included (art. 282 alin. 2 lit. b Cod fiscal), and the rest stays due on the proforma; the payment
of the rest issues the final tax invoice, which deducts the advances."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.advances import split_gross
from hostico.billing.corrections import reissue_tax_invoice
from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.errors import InvalidTransition, InvoiceNotEditable, PaymentRefused
from hostico.billing.payments import record_payment
from hostico.billing.proforma_edit import refuse_unless_editable
from hostico.billing.staff_ops import cancel_proforma
from hostico.billing.taxes import line_amounts
from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import AuditLog, Invoice, InvoiceEvent, OutboxMessage, Service

TODAY = dt.date(2026, 6, 1)


def pay(session, settings, proforma, amount, **kw):
    kw.setdefault("method", "bank_transfer")
    kw.setdefault("today", TODAY)
    return record_payment(session, proforma.id, amount=Decimal(amount), settings=settings, **kw)


@pytest.fixture
def proforma(make):
    """A 592.90 lei proforma (490.00 + 21% VAT) for a hosting service."""
    customer = make.make_customer()
    service = make.make_service(customer, next_due_date=TODAY)
    return make.make_proforma(customer, service=service, amount="490.00", today=TODAY)


def test_a_transfer_of_part_of_the_total_is_invoiced_as_an_advance_and_the_rest_stays_due(session, settings,
                                                                                           proforma):
    assert proforma.total == Decimal("592.90")
    payment = pay(session, settings, proforma, "300.00", reference="OP 1")
    session.commit()
    advance = session.get(Invoice, payment.tax_invoice_id)
    assert (advance.kind, advance.proforma_id, advance.collected_on) == ("tax", proforma.id, TODAY)
    assert [(line.description, line.quantity, line.vat_rate, line.net, line.vat) for line in advance.lines] == [
        (f"Avans pentru proforma {proforma.code}", Decimal("1"), Decimal("21"), Decimal("247.93"), Decimal("52.07"))]
    assert (advance.subtotal, advance.vat_total, advance.total) == (Decimal("247.93"), Decimal("52.07"),
                                                                    Decimal("300.00"))
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.status, proforma.display_status) == ("unpaid", "partly_paid")
    assert (proforma.amount_paid, proforma.amount_due) == (Decimal("300.00"), Decimal("292.90"))
    service = session.get(Service, proforma.lines[0].service_id)
    assert service.next_due_date == TODAY  # the service is extended once the whole proforma is paid
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == proforma.id,
                                                       InvoiceEvent.action == "partly_paid")).one()
    assert event.note_code == "paid_part_with" and event.note_params["due"] == "292.90"
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "payment.recorded")).one()
    assert audit.data["partial"] is True and audit.data["remaining"] == "292.90"
    receipt = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "payment_receipt")).one()
    assert receipt.context["remaining"] == "292.90"


def test_the_rest_issues_the_final_invoice_which_deducts_the_advance_and_marks_the_proforma_paid(
        session, settings, proforma):
    first = pay(session, settings, proforma, "300.00")
    advance = session.get(Invoice, first.tax_invoice_id)
    rest = pay(session, settings, proforma, "292.90")
    session.commit()
    final = session.get(Invoice, rest.tax_invoice_id)
    assert [(line.description, line.quantity, line.net, line.vat) for line in final.lines] == [
        ("Hosting", Decimal("1"), Decimal("490.00"), Decimal("102.90")),
        (f"Storno avans factura {advance.code}", Decimal("-1"), Decimal("-247.93"), Decimal("-52.07"))]
    assert (final.subtotal, final.vat_total, final.total) == (Decimal("242.07"), Decimal("50.83"), Decimal("292.90"))
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.status, proforma.display_status, proforma.amount_due) == ("paid", "paid", Decimal("0.00"))
    assert advance.total + final.total == proforma.total
    service = session.get(Service, proforma.lines[0].service_id)
    assert service.next_due_date > TODAY
    with pytest.raises(PaymentRefused, match="paid"):
        pay(session, settings, proforma, "1.00")


def test_advance_and_final_invoices_pass_the_e_factura_rules(session, settings, proforma):
    first = pay(session, settings, proforma, "300.00")
    rest = pay(session, settings, proforma, "292.90")
    for payment in (first, rest):
        document = session.get(Invoice, payment.tax_invoice_id)
        assert [str(f) for f in validate_document(build_document(document))] == [], document.code


def test_several_advances_then_the_rest(session, settings, proforma):
    amounts = ["0.01", "100.00", "192.89", "300.00"]
    taxes = [session.get(Invoice, pay(session, settings, proforma, a).tax_invoice_id) for a in amounts]
    assert [t.total for t in taxes] == [Decimal(a) for a in amounts]
    assert session.get(Invoice, proforma.id).status == "paid"
    assert len([line for line in taxes[-1].lines if line.quantity < 0]) == 3
    for tax in taxes:
        assert [str(f) for f in validate_document(build_document(tax))] == [], tax.code


def test_more_than_is_left_to_pay_is_refused_and_changes_nothing(session, settings, proforma):
    pay(session, settings, proforma, "300.00")
    session.commit()
    with pytest.raises(PaymentRefused) as refused:
        pay(session, settings, proforma, "292.91")
    assert refused.value.code == "amount_mismatch" and refused.value.params["due"] == "292.90"
    session.rollback()
    assert session.get(Invoice, proforma.id).amount_paid == Decimal("300.00")


def test_a_partly_paid_proforma_cannot_be_edited_cancelled_or_billed_to_another_payer(session, settings, proforma,
                                                                                      make):
    pay(session, settings, proforma, "300.00")
    session.commit()
    proforma = session.get(Invoice, proforma.id)
    assert not proforma.is_editable
    with pytest.raises(InvoiceNotEditable) as refused:
        refuse_unless_editable(proforma)
    assert refused.value.code == "partly_paid"
    with pytest.raises(InvalidTransition) as refused:
        cancel_proforma(session, proforma, staff_id=make.make_staff().id, reason="x")
    assert refused.value.code == "partly_paid"
    session.rollback()
    other = {"kind": "person", "name": "Ion Pop", "address": "Str. A 1", "city": "Cluj-Napoca", "county": "RO-CJ",
             "postal_code": "400001", "country": "RO"}
    with pytest.raises(PaymentRefused) as refused:
        pay(session, settings, proforma, "292.90", buyer=other)
    assert refused.value.code == "payer_after_advance"


def test_a_tax_invoice_of_a_sale_paid_in_parts_is_corrected_by_credit_notes_not_reissued(session, settings,
                                                                                          proforma, make):
    first = pay(session, settings, proforma, "300.00")
    pay(session, settings, proforma, "292.90")
    advance = session.get(Invoice, first.tax_invoice_id)
    issue_credit_note(session, advance, settings=settings, today=TODAY, reason="test")
    with pytest.raises(Exception) as refused:
        reissue_tax_invoice(session, advance, settings=settings, today=TODAY, staff_id=make.make_staff().id)
    assert getattr(refused.value, "code", None) == "paid_in_parts"


@pytest.mark.parametrize("rate", ["21", "19", "9", "5", "11"])
def test_an_amount_splits_into_base_and_vat_that_add_up_exactly(rate):
    rate = Decimal(rate)
    for cents in range(1, 20000, 7):
        gross = Decimal(cents) / 100
        split = split_gross(gross, rate)
        assert split.net + split.vat == gross
        # VAT is the base × rate as every line rounds it, within the rounding of the amount itself
        assert abs(line_amounts(Decimal(1), split.net, rate).vat - split.vat) <= Decimal("0.01")

"""Payments: mark a proforma paid, issue its tax invoice, extend and reactivate its services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.advances import advance_lines, advance_storno_lines
from hostico.billing.credit import add_credit
from hostico.billing.errors import PaymentRefused
from hostico.billing.hosting_services import apply_payment_to_service
from hostico.billing.invoicing import (
    add_event,
    chargeable_rate,
    copy_lines,
    issue_tax_invoice,
    recompute,
    reprice,
)
from hostico.billing.queries import open_order
from hostico.billing.settings import BillingSettings
from hostico.db import for_update
from hostico.errors import N_, state_param
from hostico.models import Customer, Invoice, Order, Payment, Service, utcnow
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.models.payment import MAX_PAYMENT, PAYMENT_METHODS
from hostico.models.service import OrderStatus
from hostico.notify.events import notify


def lock_invoice(session: Session, invoice_id: int) -> Invoice:
    """Load an invoice holding its row lock (PostgreSQL; SQLite: the write lock) until the transaction ends."""
    stmt = select(Invoice).where(Invoice.id == invoice_id).execution_options(populate_existing=True)
    return session.scalars(for_update(session, stmt, write_lock=(Invoice.version, [invoice_id]))).one()


def _bill_to_payer(session: Session, proforma: Invoice, payer: BuyerSnapshot, settings: BillingSettings, day: dt.date,
                   staff_id: int | None) -> None:
    """Bill an unpaid proforma to the payer of a bank transfer: its buyer data, VAT and currency follow
    the payer (recomputed for `day`), with the change in its history and the audit log."""
    actor_kind = "staff" if staff_id else "system"
    before = {"buyer": proforma.buyer.copy(), "vat_category": proforma.vat_category, "currency": proforma.currency,
              "total": str(proforma.total)}
    proforma.buyer = payer.copy()
    proforma.billing_profile_id = None
    recompute(proforma, settings, day)
    after = {"buyer": proforma.buyer.copy(), "vat_category": proforma.vat_category, "currency": proforma.currency,
             "total": str(proforma.total)}
    add_event(session, proforma, "billing_edited", actor_kind=actor_kind, actor_id=staff_id, before=before,
              after=after, code="billed_to_payer")
    record(session, "invoice.billed_to_payer", actor_kind=actor_kind, actor_id=staff_id, obj=proforma,
           customer_id=proforma.customer_id,
           data={"code": proforma.code, "before": before["buyer"], "after": after["buyer"],
                 "total_before": before["total"], "total_after": after["total"], "currency": proforma.currency})


def payment_with_key(session: Session, idempotency_key: str | None) -> Payment | None:
    """Return the payment already recorded under an idempotency key (read afresh), or None."""
    if not idempotency_key:
        return None
    return session.scalar(select(Payment).where(Payment.idempotency_key == idempotency_key)
                          .execution_options(populate_existing=True))


def record_payment(
    session: Session,
    proforma_id: int,
    *,
    amount: Decimal,
    method: str,
    settings: BillingSettings,
    today: dt.date,
    reference: str | None = None,
    idempotency_key: str | None = None,
    staff_id: int | None = None,
    buyer: BuyerSnapshot | None = None,
    currency: str | None = None,
    received_on: dt.date | None = None,
    excess_to_credit: bool = False,
    receipt: bool = True,
) -> Payment:
    """Record a payment of a proforma, issuing its tax invoice in the same transaction.

    `received_on` is the day the money arrived (a bank transfer's value date; default `today`): not
    after today, not before the proforma; the tax invoice prints it as the collection date and takes
    its VAT (and, in EUR, its lei rate) from it. `today` is the business day the payment is recorded.
    A payment with an idempotency key already recorded returns that payment and changes nothing.
    `buyer` (a bank transfer from another payer, docs/fiscal.md, "Whoever pays is the buyer"): the proforma is
    first billed to the payer like an edit (VAT treatment, rate of `received_on` and currency follow the
    payer), and `amount` must be that total, in the payer's currency; the tax invoice is issued on it.
    `excess_to_credit` (bank transfers): more than is left to pay pays the proforma and the excess becomes the
    customer's credit balance (docs/payments.md, "Customer credit balance"); without it more is refused.
    `receipt=False`: no receipt email here, the caller sends one for several payments (`send_receipt`).
    """
    if method not in PAYMENT_METHODS:
        raise PaymentRefused(N_("Unknown payment method %(method)s."), code="unknown_method", method=method)
    received_on = received_on or today
    if received_on > today:
        raise PaymentRefused(N_("The money cannot have arrived after today."), code="received_in_future",
                             field="received_on", received_on=received_on.isoformat())
    existing = payment_with_key(session, idempotency_key)
    if existing is not None:
        return existing
    head = session.execute(select(Invoice.currency, Invoice.vat_total).where(Invoice.id == proforma_id)).first()
    if head is not None and head.currency != "RON":  # every EUR tax invoice takes the collection day's rate
        chargeable_rate(session, head.currency, settings, received_on)  # read BNR before taking locks
    proforma = lock_invoice(session, proforma_id)
    # A duplicate delivery may have waited on the lock behind the first one: look again now that the
    # first one has committed, so it is answered as a duplicate rather than as "already paid".
    existing = payment_with_key(session, idempotency_key)
    if existing is not None:
        return existing
    if proforma.kind != InvoiceKind.PROFORMA:
        raise PaymentRefused(N_("Only proformas can be paid."), code="not_a_proforma")
    if proforma.status != InvoiceStatus.UNPAID:
        raise PaymentRefused(N_("Proforma %(number)s is %(status)s; it cannot be paid."), code="not_payable",
                             number=proforma.code, status=state_param(proforma.status))
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise PaymentRefused(N_("Enter an amount greater than zero."), code="amount_not_positive", field="amount")
    if amount > MAX_PAYMENT:
        raise PaymentRefused(N_("A payment can be at most %(maximum)s."), code="amount_too_large", field="amount",
                             maximum=str(MAX_PAYMENT))
    if currency is not None and currency.upper() != proforma.currency:
        raise PaymentRefused(N_("The currency %(currency)s does not match the proforma currency %(expected)s."),
                             code="currency_mismatch", currency=currency, expected=proforma.currency)
    if received_on < proforma.issue_date:
        raise PaymentRefused(N_("The money cannot have arrived before proforma %(number)s was issued (%(issued)s)."),
                             code="received_before_proforma", field="received_on", number=proforma.code,
                             issued=proforma.issue_date.isoformat())
    if buyer is not None and buyer.copy() != proforma.buyer.copy():
        if proforma.amount_paid:
            raise PaymentRefused(N_("Proforma %(number)s is partly paid: the rest is paid by the buyer its advance "
                                    "was invoiced to."), code="payer_after_advance", number=proforma.code)
        # Whoever pays is the buyer (docs/fiscal.md): the sale is billed to the payer as an edit would, VAT
        # treatment and currency included, at the rate in force the day the money arrived.
        _bill_to_payer(session, proforma, buyer, settings, received_on, staff_id)
        if amount > proforma.total and not excess_to_credit:
            raise PaymentRefused(N_("The amount %(amount)s is more than %(total)s %(currency)s, the total for this "
                                    "payer (VAT and currency follow whoever pays)."), code="amount_mismatch",
                                 field="amount", amount=str(amount), total=str(proforma.total),
                                 currency=proforma.currency)
    # VAT is due when an advance is received: the tax invoice charges the rate in force that day, and the
    # amount owed is the proforma at that rate (the billing run keeps unpaid ones at today's rate).
    reprice(session, proforma, settings, received_on, actor_kind="staff" if staff_id else "system", actor_id=staff_id)
    due = proforma.amount_due
    excess = amount - due if excess_to_credit and amount > due else Decimal("0")
    amount -= excess
    if amount > due:
        raise PaymentRefused(N_("The amount %(amount)s is more than the %(due)s left to pay on the proforma."),
                             code="amount_mismatch", field="amount", amount=str(amount), due=str(due),
                             total=str(proforma.total))
    actor_kind = "staff" if staff_id else "system"
    payment = Payment(
        invoice_id=proforma.id, customer_id=proforma.customer_id, method=method, amount=amount,
        currency=proforma.currency, reference=reference, idempotency_key=idempotency_key,
        recorded_by_staff_id=staff_id, received_on=received_on,
    )
    session.add(payment)
    session.flush()
    if excess:
        add_credit(session, customer_id=proforma.customer_id, currency=proforma.currency, amount=excess,
                   reason=CreditReason.OVERPAYMENT, idempotency_key=f"overpayment:{idempotency_key or payment.id}",
                   actor_kind=actor_kind, actor_id=staff_id, payment_id=payment.id, invoice_id=proforma.id,
                   note=reference)
    # Money never waits for the whole amount (docs/payments.md, Advances): a part is invoiced as an advance
    # when it arrives; the payment of the rest issues the final invoice, which deducts the advances.
    advances = _advance_invoices(session, proforma)
    if amount < due:
        lines = advance_lines(proforma, amount)
    elif advances:
        lines = copy_lines(proforma) + advance_storno_lines(advances, start=len(proforma.lines) + 1,
                                                            credit_notes=_credit_notes_of(session, advances))
    else:
        lines = None
    tax = issue_tax_invoice(session, proforma, settings=settings, today=today, collected_on=received_on, lines=lines)
    payment.tax_invoice_id = tax.id
    proforma.amount_paid = proforma.amount_paid + amount
    if amount < due:
        add_event(session, proforma, "partly_paid", actor_kind=actor_kind, actor_id=staff_id, code="paid_part_with",
                  params={"method": method, "tax": tax.code, "amount": str(amount),
                          "due": str(proforma.amount_due), "currency": proforma.currency})
        _receipt_and_audit(session, proforma, payment, tax, settings, partial=True, receipt=receipt)
        session.flush()
        return payment
    proforma.status = InvoiceStatus.PAID
    proforma.paid_at = utcnow()
    add_event(session, proforma, "paid", actor_kind=actor_kind, actor_id=staff_id,
              code="paid_with", params={"method": method, "tax": tax.code})
    service_ids = {line.service_id for line in proforma.lines if line.service_id}
    if service_ids:
        stmt = (select(Service).where(Service.id.in_(service_ids)).order_by(Service.id)
                .execution_options(populate_existing=True))
        # against a concurrent suspension by the billing run
        services = session.scalars(for_update(session, stmt, of=Service)).all()
        for service in services:
            apply_payment_to_service(session, service, sms_hours=settings.sms_hours, timezone=settings.timezone)
        order_ids = {s.order_id for s in services if s.order_id}
        if order_ids:
            session.execute(update(Order).where(Order.id.in_(order_ids), open_order())
                            .values(status=OrderStatus.PAID))
    _receipt_and_audit(session, proforma, payment, tax, settings, partial=False, receipt=receipt)
    session.flush()
    return payment


def _advance_invoices(session: Session, proforma: Invoice) -> list[Invoice]:
    """The tax invoices of the advances received so far for a proforma, oldest first."""
    ids = session.scalars(select(Payment.tax_invoice_id).where(
        Payment.invoice_id == proforma.id, Payment.tax_invoice_id.is_not(None)).order_by(Payment.id)).all()
    if not ids:
        return []
    found = {t.id: t for t in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}
    return [found[i] for i in ids if i is not None]  # the query keeps only ids that are set


def _credit_notes_of(session: Session, invoices: list[Invoice]) -> dict[int, list[Invoice]]:
    """The credit notes correcting each invoice (a refunded advance), oldest first."""
    out: dict[int, list[Invoice]] = {}
    for note in session.scalars(select(Invoice).where(Invoice.corrects_id.in_([i.id for i in invoices]),
                                                      Invoice.kind == InvoiceKind.CREDIT_NOTE).order_by(Invoice.id)):
        out.setdefault(cast(int, note.corrects_id), []).append(note)  # selected by it: never None
    return out


def _receipt_and_audit(session: Session, proforma: Invoice, payment: Payment, tax: Invoice,
                       settings: BillingSettings, *, partial: bool, receipt: bool = True) -> None:
    if receipt:
        customer = session.get_one(Customer, proforma.customer_id)
        notify(session, "payment_receipt", customer, invoice=tax, sms_hours=settings.sms_hours,
               timezone=settings.timezone,
               context={"proforma_code": proforma.code, "amount": str(payment.amount),
                        "remaining": str(proforma.amount_due) if partial else None})
    data: dict[str, object] = {"proforma": proforma.code, "tax_invoice": tax.code, "amount": str(payment.amount),
                               "method": payment.method}
    if partial:
        data.update(partial=True, remaining=str(proforma.amount_due))
    record(session, "payment.recorded", actor_kind="staff" if payment.recorded_by_staff_id else "system",
           actor_id=payment.recorded_by_staff_id, obj=payment, customer_id=proforma.customer_id, data=data)


def send_receipt(session: Session, paid: list[tuple[Invoice, Payment, Invoice]], settings: BillingSettings, *,
                 key: str) -> None:
    """Send one receipt for payments made together (a checkout of several proformas, docs/payments.md): it lists
    every proforma with its tax invoice and amount; the first tax invoice is its mail-login link."""
    if not paid:
        return
    first_proforma, first_payment, first_tax = paid[0]
    customer = session.get_one(Customer, first_proforma.customer_id)
    rows = [{"proforma": p.code, "tax": t.code, "amount": str(pay.amount), "currency": pay.currency,
             "remaining": str(p.amount_due) if p.amount_due else None} for p, pay, t in paid]
    notify(session, "payment_receipt", customer, invoice=first_tax, key=key, sms_hours=settings.sms_hours,
           timezone=settings.timezone,
           context={"proforma_code": first_proforma.code, "amount": str(first_payment.amount),
                    "remaining": rows[0]["remaining"], "paid": rows,
                    "paid_total": str(sum((pay.amount for _, pay, _ in paid), Decimal("0")))})

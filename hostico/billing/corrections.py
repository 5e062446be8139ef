"""Corrections of tax invoices (docs/billing.md, Corrections): credit notes for chosen lines, an amount, or everything,
several per invoice up to its total; and, after a full credit note, the corrected tax invoice of the
same sale (storno and reissue). Each document cites the original's number and date. Flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.credit_notes import issue_credit_note, storno_lines
from hostico.billing.errors import CorrectionRefused
from hostico.billing.invoicing import add_event, issue_tax_invoice, tax_invoice_rate
from hostico.billing.payments import lock_invoice
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import round_money
from hostico.errors import N_
from hostico.models import Customer, Invoice, InvoiceLine, Payment
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.invoice import InvoiceKind
from hostico.notify.events import notify


def credited_total(session: Session, tax_invoice: Invoice) -> Decimal:
    """Return how much of a tax invoice its credit notes have reversed (a positive amount)."""
    total = session.scalar(select(func.coalesce(func.sum(Invoice.total), 0))
                           .where(Invoice.corrects_id == tax_invoice.id, Invoice.kind == InvoiceKind.CREDIT_NOTE))
    return -Decimal(total).quantize(Decimal("0.01")) if total else Decimal("0.00")


def remaining_to_credit(session: Session, tax_invoice: Invoice) -> Decimal:
    """Return the part of a tax invoice (total, VAT included) no credit note has reversed yet."""
    return tax_invoice.total - credited_total(session, tax_invoice)


def _credited_line_ids(session: Session, tax_invoice: Invoice) -> set[int]:
    return set(session.scalars(
        select(InvoiceLine.corrects_line_id).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.corrects_id == tax_invoice.id, InvoiceLine.corrects_line_id.is_not(None))))


def _amount_lines(tax_invoice: Invoice, amount: Decimal) -> list[InvoiceLine]:
    """Lines reversing `amount` (VAT included) of the invoice, split over its VAT rates pro rata."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in tax_invoice.lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal("0")) + line.total
    rates = sorted((r for r in by_rate if by_rate[r] > 0), reverse=True)
    lines, left = [], amount
    for pos, rate in enumerate(rates, start=1):
        gross = left if pos == len(rates) else round_money(amount * by_rate[rate] / tax_invoice.total)
        left -= gross
        net = round_money(gross * 100 / (100 + rate))
        vat = gross - net  # the line adds up to exactly the amount credited
        lines.append(InvoiceLine(
            position=pos, description=f"Reducere / corecție factura {tax_invoice.code}"[:300], quantity=Decimal("-1"),
            unit_price=net, vat_rate=rate, net=-net, vat=-vat))
    return lines


def credit_tax_invoice(session: Session, tax_invoice: Invoice, *, settings: BillingSettings, today: dt.date,
                       reason: str, amount: Decimal | None = None, lines: list[int] | None = None,
                       actor_kind: str = "staff", actor_id: int | None = None, staff_id: int | None = None,
                       refund: bool = False) -> Invoice:
    """Issue a credit note for a tax invoice and email it to the customer.

    Give `lines` (positions of the invoice's lines, each reversed whole, once) or `amount` (VAT
    included, split over the invoice's VAT rates), or neither for everything still uncredited. Several
    credit notes may correct one invoice, never beyond its total. A card refund is such a credit note
    (`refund=True`: the histories say "Refund of …"). `reason` is a staff note, never shown to the customer.
    """
    if staff_id is not None:  # the staff views' keyword
        actor_kind, actor_id = "staff", staff_id
    tax_invoice = lock_invoice(session, tax_invoice.id)
    if tax_invoice.kind != InvoiceKind.TAX:
        raise CorrectionRefused(N_("Credit notes correct tax invoices only."), code="not_a_tax_invoice")
    if lines is not None and amount is not None:
        raise CorrectionRefused(N_("Choose lines or an amount, not both."), code="lines_and_amount")
    remaining = remaining_to_credit(session, tax_invoice)
    if remaining <= 0:
        raise CorrectionRefused(N_("%(invoice)s is already fully credited."), code="fully_credited",
                                invoice=tax_invoice.code)
    if lines is not None:
        positions = sorted(set(lines))
        known = {line.position: line for line in tax_invoice.lines}
        if not positions or any(p not in known for p in positions):
            raise CorrectionRefused(N_("Choose lines of this invoice."), code="unknown_line", field="lines")
        done = _credited_line_ids(session, tax_invoice)
        again = [p for p in positions if known[p].id in done]
        if again:
            raise CorrectionRefused(N_("Line %(line)s was already credited."), code="line_already_credited",
                                    field="lines", line=again[0])
        note_lines = storno_lines(tax_invoice, positions)
    elif amount is not None:
        amount = Decimal(amount)
        if not amount.is_finite() or amount <= 0 or amount != round_money(amount):
            raise CorrectionRefused(N_("Enter an amount greater than zero."), code="amount_not_positive",
                                    field="amount")
        if amount > remaining:
            raise CorrectionRefused(N_("At most %(remaining)s %(currency)s of %(invoice)s is left to credit."),
                                    code="exceeds_remaining", field="amount", remaining=str(remaining),
                                    currency=tax_invoice.currency, invoice=tax_invoice.code)
        note_lines = storno_lines(tax_invoice) if amount == tax_invoice.total else _amount_lines(tax_invoice, amount)
    elif remaining == tax_invoice.total:
        note_lines = storno_lines(tax_invoice)
    else:
        note_lines = _amount_lines(tax_invoice, remaining)
    if -sum((line.net + line.vat for line in note_lines), Decimal("0")) > remaining:
        raise CorrectionRefused(N_("At most %(remaining)s %(currency)s of %(invoice)s is left to credit."),
                                code="exceeds_remaining", field="lines", remaining=str(remaining),
                                currency=tax_invoice.currency, invoice=tax_invoice.code)
    credited = -sum((line.net + line.vat for line in note_lines), Decimal("0"))
    note = issue_credit_note(session, tax_invoice, settings=settings, today=today, reason=reason,
                             actor_kind=actor_kind, actor_id=actor_id, lines=note_lines,
                             refund=credited if refund else None)
    customer = session.get_one(Customer, tax_invoice.customer_id)
    notify(session, "credit_note", customer, invoice=note, context={"corrects": tax_invoice.code})
    record(session, "invoice.credit_note_issued", actor_kind=actor_kind, actor_id=actor_id, obj=note,
           customer_id=note.customer_id, data={"code": note.code, "corrects": tax_invoice.code, "reason": reason,
                                               "total": str(note.total)})
    return note


def reissue_citation(session: Session, tax_invoice: Invoice) -> tuple[Invoice, list[Invoice]] | None:
    """For a reissued tax invoice (storno and reissue): the tax invoice of the same sale it replaces and the credit
    notes that cancelled it, which the reissue cites (page, PDF, XML); None for any other document."""
    if tax_invoice.kind != InvoiceKind.TAX or tax_invoice.proforma_id is None or tax_invoice.id is None:
        return None
    cancelled = session.scalar(select(Invoice).where(Invoice.proforma_id == tax_invoice.proforma_id,
                                                     Invoice.kind == InvoiceKind.TAX, Invoice.id < tax_invoice.id)
                               .order_by(Invoice.id.desc()).limit(1))
    if cancelled is None:
        return None
    stornos = session.scalars(select(Invoice).where(Invoice.corrects_id == cancelled.id,
                                                    Invoice.kind == InvoiceKind.CREDIT_NOTE).order_by(Invoice.id)).all()
    return cancelled, list(stornos)


def reissue_tax_invoice(session: Session, tax_invoice: Invoice, *, settings: BillingSettings, today: dt.date,
                        staff_id: int, buyer: BuyerSnapshot | None = None, reason: str = "") -> Invoice:
    """Issue the corrected tax invoice of a sale whose tax invoice is fully credited (storno and
    reissue): a new number, the proforma's lines, the same collection date, the buyer corrected.

    A reissue is a new sale to the buyer it names (docs/fiscal.md, Corrections): VAT category, rate, currency
    and e-Factura scope follow that buyer as a proforma edit would; it cites the cancelled invoice and its storno.
    """
    sale = session.get(Invoice, tax_invoice.proforma_id) if tax_invoice.proforma_id is not None else None
    if sale is not None and tax_invoice.collected_on is not None:  # read BNR (if it must) before taking locks
        tax_invoice_rate(session, sale, buyer or tax_invoice.buyer.copy(), settings, tax_invoice.collected_on)
    tax_invoice = lock_invoice(session, tax_invoice.id)
    if tax_invoice.kind != InvoiceKind.TAX or tax_invoice.proforma_id is None:
        raise CorrectionRefused(N_("Only a tax invoice issued from a proforma can be reissued."), code="not_reissuable")
    if remaining_to_credit(session, tax_invoice) != 0:
        raise CorrectionRefused(N_("Credit %(invoice)s in full before issuing its corrected invoice."),
                                code="not_fully_credited", invoice=tax_invoice.code)
    proforma = lock_invoice(session, tax_invoice.proforma_id)
    if (session.scalar(select(func.count()).select_from(Payment).where(Payment.invoice_id == proforma.id)) or 0) > 1:
        # Paid in parts: each tax invoice is an advance or the final one, not the whole sale.
        raise CorrectionRefused(N_("Proforma %(proforma)s was paid in parts: correct its tax invoices with credit "
                                   "notes."), code="paid_in_parts", proforma=proforma.code)
    live = session.scalar(select(Invoice.code).where(Invoice.proforma_id == proforma.id,
                                                     Invoice.kind == InvoiceKind.TAX,
                                                     Invoice.id > tax_invoice.id).limit(1))
    if live:
        raise CorrectionRefused(N_("This sale was already invoiced again as %(live)s."), code="already_reissued",
                                live=live)
    storno = session.scalar(select(Invoice).where(Invoice.corrects_id == tax_invoice.id,
                                                  Invoice.kind == InvoiceKind.CREDIT_NOTE)
                            .order_by(Invoice.id.desc()).limit(1))
    tax = issue_tax_invoice(session, proforma, settings=settings, today=today,
                            buyer=buyer or tax_invoice.buyer.copy(), collected_on=tax_invoice.collected_on,
                            reissue_of=tax_invoice, storno=storno)
    add_event(session, tax_invoice, "reissued", actor_kind="staff", actor_id=staff_id, note=reason,
              code="reissued_as", params={"invoice": tax.code})
    customer = session.get_one(Customer, tax.customer_id)
    notify(session, "invoice_resend", customer, invoice=tax, key=f"{tax.id}:reissue", context={"kind": "tax"})
    record(session, "invoice.reissued", actor_kind="staff", actor_id=staff_id, obj=tax, customer_id=tax.customer_id,
           data={"code": tax.code, "replaces": tax_invoice.code, "reason": reason})
    return tax

"""Credit notes: a tax invoice is corrected by a new document with negative lines (docs/billing.md#corrections);
how much may be credited is decided in billing/corrections.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from sqlalchemy.orm import Session

from hostico.billing.currency import BnrRate
from hostico.billing.errors import InvalidTransition
from hostico.billing.invoicing import _set_rate, _totals, add_event  # the document mechanics every kind shares
from hostico.billing.numbering import format_code, next_number
from hostico.billing.settings import BillingSettings
from hostico.errors import N_
from hostico.models import Invoice, InvoiceLine
from hostico.models.invoice import InvoiceKind, InvoiceOrigin, InvoiceStatus


def storno_lines(tax_invoice: Invoice, positions: list[int] | None = None) -> list[InvoiceLine]:
    """Return credit-note lines reversing the chosen lines of a tax invoice (all of them by default)."""
    chosen = [line for line in tax_invoice.lines if positions is None or line.position in positions]
    return [
        InvoiceLine(position=pos, description=f"Storno: {line.description}"[:300], service_id=line.service_id,
                    period_start=line.period_start, period_end=line.period_end, quantity=-line.quantity,
                    unit_price=line.unit_price, vat_rate=line.vat_rate, net=-line.net, vat=-line.vat,
                    price_currency=line.price_currency, price_amount=line.price_amount, price_rate=line.price_rate,
                    corrects_line_id=line.id)
        for pos, line in enumerate(chosen, start=1)
    ]


def issue_credit_note(session: Session, tax_invoice: Invoice, *, settings: BillingSettings, today: dt.date,
                      reason: str, actor_kind: str = "staff", actor_id: int | None = None,
                      lines: list[InvoiceLine] | None = None, refund: Decimal | None = None) -> Invoice:
    """Correct a tax invoice by issuing a credit note with the given negative lines (default: all of
    its lines reversed). It keeps the original's currency and BNR rate; the rules on how much may be
    credited live in billing/corrections.py.

    `reason` is the staff's own note, kept in both histories for staff only; the customer reads the system's
    note ("credit note HCN-…", or for a card `refund` of that amount "Refund of 22,99 lei, credit note HCN-…")
    in their language (docs/billing.md#corrections).
    """
    if tax_invoice.kind != InvoiceKind.TAX:
        raise InvalidTransition(N_("Credit notes correct tax invoices only."), code="not_a_tax_invoice")
    number, issue_date = next_number(session, settings.credit_series, today)
    note = Invoice(
        customer_id=tax_invoice.customer_id, kind=InvoiceKind.CREDIT_NOTE, series=settings.credit_series,
        number=number, code=format_code(settings.credit_series, number), status=InvoiceStatus.ISSUED,
        origin=InvoiceOrigin.MANUAL,
        issue_date=issue_date, currency=tax_invoice.currency, buyer=tax_invoice.buyer.copy(),
        seller=settings.seller_snapshot(), reverse_charge=tax_invoice.reverse_charge,
        vat_category=tax_invoice.vat_category, vat_mention=tax_invoice.vat_mention, corrects_id=tax_invoice.id,
    )
    note.lines = lines if lines is not None else storno_lines(tax_invoice)
    _totals(note)
    _set_rate(note, BnrRate(tax_invoice.currency, tax_invoice.exchange_rate, cast(dt.date, tax_invoice.rate_date))
              if tax_invoice.exchange_rate is not None else None)
    session.add(note)
    session.flush()
    if refund is None:
        add_event(session, note, "issued", actor_kind=actor_kind, actor_id=actor_id, note=reason,
                  code="credit_note_for", params={"invoice": tax_invoice.code})
        add_event(session, tax_invoice, "credited", actor_kind=actor_kind, actor_id=actor_id, note=reason,
                  code="credited_by", params={"invoice": note.code})
    else:
        money = {"amount": refund, "currency": tax_invoice.currency}
        add_event(session, note, "issued", actor_kind=actor_kind, actor_id=actor_id, note=reason,
                  code="refund_of", params={**money, "invoice": tax_invoice.code})
        add_event(session, tax_invoice, "refunded", actor_kind=actor_kind, actor_id=actor_id, note=reason,
                  code="refunded_by", params={**money, "invoice": note.code})
    return note

"""Issuing proformas, tax invoices and credit notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from hostico.billing.errors import InvalidTransition, InvoiceNotEditable
from hostico.billing.numbering import format_code, next_number
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import is_reverse_charge, line_amounts, vat_rate_for
from hostico.models import BillingProfile, Customer, Invoice, InvoiceEvent, InvoiceLine, utcnow


@dataclass
class LineSpec:
    """What to bill on one line; VAT is decided by the buyer unless vat_rate is given."""

    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal("1")
    service_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    vat_rate: Decimal | None = None


def buyer_from_customer(customer: Customer, profile: BillingProfile | None) -> dict:
    """Return the buyer snapshot: the billing profile's data, or the customer as a person."""
    if profile is not None:
        return profile.snapshot()
    return {"kind": "person", "name": customer.name, "cnp": None, "company_name": None, "cui": None,
            "reg_com": None, "vat_number": None, "address": "", "city": "", "county": None,
            "postal_code": None, "country": "RO"}


def _build_lines(specs: list[LineSpec], buyer: dict, settings: BillingSettings, sign: int = 1) -> list[InvoiceLine]:
    lines = []
    for pos, spec in enumerate(specs, start=1):
        rate = spec.vat_rate if spec.vat_rate is not None else vat_rate_for(buyer, settings.vat_rate)
        qty = Decimal(spec.quantity) * sign
        amounts = line_amounts(qty, spec.unit_price, rate)
        lines.append(InvoiceLine(
            position=pos, description=spec.description[:300], service_id=spec.service_id,
            period_start=spec.period_start, period_end=spec.period_end, quantity=qty,
            unit_price=Decimal(spec.unit_price), vat_rate=rate, net=amounts.net, vat=amounts.vat,
        ))
    return lines


def _totals(invoice: Invoice) -> None:
    invoice.subtotal = sum((line.net for line in invoice.lines), Decimal("0.00"))
    invoice.vat_total = sum((line.vat for line in invoice.lines), Decimal("0.00"))
    invoice.total = invoice.subtotal + invoice.vat_total


def add_event(session: Session, invoice: Invoice, action: str, *, actor_kind: str = "system",
              actor_id: int | None = None, before: dict | None = None, after: dict | None = None,
              note: str | None = None) -> InvoiceEvent:
    """Append an entry to the invoice's history."""
    event = InvoiceEvent(invoice_id=invoice.id, action=action, actor_kind=actor_kind, actor_id=actor_id,
                         before=before, after=after, note=note)
    session.add(event)
    return event


def build_proforma(
    customer: Customer,
    specs: list[LineSpec],
    *,
    origin: str,
    settings: BillingSettings,
    today: dt.date,
    number: int,
    profile: BillingProfile | None = None,
    renewal_key: str | None = None,
    due_date: dt.date | None = None,
) -> Invoice:
    """Build (without adding it to a session) an unpaid proforma carrying an already reserved number."""
    buyer = buyer_from_customer(customer, profile)
    invoice = Invoice(
        customer_id=customer.id, kind="proforma", series=settings.proforma_series, number=number,
        code=format_code(settings.proforma_series, number), status="unpaid", origin=origin,
        issue_date=today, due_date=due_date or today + dt.timedelta(days=settings.proforma_due_days),
        currency=settings.currency, buyer=buyer, seller=settings.seller_snapshot(),
        billing_profile_id=profile.id if profile else None, reverse_charge=is_reverse_charge(buyer),
        renewal_key=renewal_key,
    )
    invoice.lines = _build_lines(specs, buyer, settings)
    _totals(invoice)
    return invoice


def create_proforma(
    session: Session,
    customer: Customer,
    specs: list[LineSpec],
    *,
    origin: str,
    settings: BillingSettings,
    today: dt.date,
    profile: BillingProfile | None = None,
    renewal_key: str | None = None,
    actor_kind: str = "system",
    actor_id: int | None = None,
    due_date: dt.date | None = None,
) -> Invoice:
    """Issue a numbered, unpaid proforma for the customer (origin: order, system or manual)."""
    if origin not in ("order", "system", "manual"):
        raise InvalidTransition(f"Unknown proforma origin {origin!r}.")
    if not specs:
        raise InvalidTransition("A proforma needs at least one line.")
    number = next_number(session, settings.proforma_series)
    invoice = build_proforma(customer, specs, origin=origin, settings=settings, today=today, number=number,
                             profile=profile, renewal_key=renewal_key, due_date=due_date)
    session.add(invoice)
    session.flush()
    add_event(session, invoice, "created", actor_kind=actor_kind, actor_id=actor_id, note=origin)
    return invoice


def recompute(invoice: Invoice, settings: BillingSettings) -> None:
    """Re-derive VAT rates and totals of an unpaid proforma from its current buyer."""
    if not invoice.is_editable:
        raise InvalidTransition("Only unpaid proformas can be recomputed.")
    rate = vat_rate_for(invoice.buyer, settings.vat_rate)
    for line in invoice.lines:
        amounts = line_amounts(line.quantity, line.unit_price, rate)
        line.vat_rate, line.net, line.vat = rate, amounts.net, amounts.vat
    invoice.reverse_charge = is_reverse_charge(invoice.buyer)
    _totals(invoice)


def issue_tax_invoice(session: Session, proforma: Invoice, *, settings: BillingSettings, today: dt.date,
                      buyer: dict | None = None) -> Invoice:
    """Issue the tax invoice for a paid proforma: the next number of the tax series, same lines."""
    if proforma.kind != "proforma":
        raise InvalidTransition("A tax invoice is issued from a proforma.")
    buyer = buyer or dict(proforma.buyer)
    number = next_number(session, settings.tax_series)
    tax = Invoice(
        customer_id=proforma.customer_id, kind="tax", series=settings.tax_series, number=number,
        code=format_code(settings.tax_series, number), status="issued", origin=proforma.origin,
        issue_date=today, due_date=None, currency=proforma.currency, buyer=buyer,
        seller=settings.seller_snapshot(), billing_profile_id=proforma.billing_profile_id,
        reverse_charge=proforma.reverse_charge, proforma_id=proforma.id, paid_at=utcnow(),
    )
    tax.lines = [
        InvoiceLine(position=line.position, description=line.description, service_id=line.service_id,
                    period_start=line.period_start, period_end=line.period_end, quantity=line.quantity,
                    unit_price=line.unit_price, vat_rate=line.vat_rate, net=line.net, vat=line.vat)
        for line in proforma.lines
    ]
    _totals(tax)
    session.add(tax)
    session.flush()
    add_event(session, tax, "issued", note=f"from {proforma.code}")
    return tax


def issue_credit_note(session: Session, tax_invoice: Invoice, *, settings: BillingSettings, today: dt.date,
                      reason: str, actor_kind: str = "staff", actor_id: int | None = None) -> Invoice:
    """Correct a tax invoice by issuing a credit note that negates all its lines."""
    if tax_invoice.kind != "tax":
        raise InvalidTransition("Credit notes correct tax invoices only.")
    number = next_number(session, settings.credit_series)
    note = Invoice(
        customer_id=tax_invoice.customer_id, kind="credit_note", series=settings.credit_series,
        number=number, code=format_code(settings.credit_series, number), status="issued", origin="manual",
        issue_date=today, currency=tax_invoice.currency, buyer=dict(tax_invoice.buyer),
        seller=settings.seller_snapshot(), reverse_charge=tax_invoice.reverse_charge,
        corrects_id=tax_invoice.id,
    )
    note.lines = [
        InvoiceLine(position=line.position, description=f"Storno: {line.description}"[:300],
                    service_id=line.service_id, quantity=-line.quantity, unit_price=line.unit_price,
                    vat_rate=line.vat_rate, net=-line.net, vat=-line.vat)
        for line in tax_invoice.lines
    ]
    _totals(note)
    session.add(note)
    session.flush()
    add_event(session, note, "issued", actor_kind=actor_kind, actor_id=actor_id, note=reason)
    add_event(session, tax_invoice, "credited", actor_kind=actor_kind, actor_id=actor_id,
              note=f"{note.code}: {reason}")
    return note


# Fields that make up an issued document: once a tax invoice or credit note exists they never change
# (DESIGN 3; SECURITY 20). Corrections are credit notes, i.e. new documents.
FROZEN_FIELDS = ("kind", "series", "number", "code", "status", "origin", "issue_date", "due_date", "currency",
                 "buyer", "seller", "reverse_charge", "subtotal", "vat_total", "total", "proforma_id",
                 "corrects_id", "customer_id", "billing_profile_id")
FROZEN_LINE_FIELDS = ("description", "service_id", "period_start", "period_end", "quantity", "unit_price",
                      "vat_rate", "net", "vat", "position", "invoice_id")


@event.listens_for(Invoice, "before_update")
def _refuse_changing_issued_document(mapper, connection, target: Invoice) -> None:
    state = inspect(target)
    kind_history = state.attrs.kind.history
    original_kind = kind_history.deleted[0] if kind_history.deleted else target.kind
    if original_kind == "proforma":
        return
    changed = [name for name in FROZEN_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise InvoiceNotEditable(f"Invoice {target.code} is issued and cannot change ({', '.join(changed)}); "
                                 "issue a credit note instead.")


def _refuse_line_change(connection, line: InvoiceLine, changed: bool) -> None:
    if not changed:
        return
    kind = connection.scalar(select(Invoice.kind).where(Invoice.id == line.invoice_id))
    if kind is not None and kind != "proforma":
        raise InvoiceNotEditable("The lines of an issued invoice cannot change; issue a credit note instead.")


@event.listens_for(InvoiceLine, "before_update")
def _refuse_changing_issued_line(mapper, connection, target: InvoiceLine) -> None:
    state = inspect(target)
    _refuse_line_change(connection, target,
                        any(state.attrs[name].history.has_changes() for name in FROZEN_LINE_FIELDS))


@event.listens_for(InvoiceLine, "before_delete")
def _refuse_deleting_issued_line(mapper, connection, target: InvoiceLine) -> None:
    _refuse_line_change(connection, target, True)

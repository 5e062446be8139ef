"""Issuing proformas, tax invoices and credit notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.orm import Mapper, Session, object_session

from hostico.billing.buyers.completeness import require_complete_buyer
from hostico.billing.buyers.profiles import billing_profile_for
from hostico.billing.currency import BnrRate, convert, document_currency, rate_for, to_lei
from hostico.billing.errors import InvalidTransition, InvoiceNotEditable, NoExchangeRate
from hostico.billing.numbering import format_code, next_number
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import Treatment, line_amounts, tax_treatment
from hostico.errors import N_
from hostico.models import BillingProfile, Customer, Invoice, InvoiceEvent, InvoiceLine, utcnow
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.invoice import InvoiceKind, InvoiceStatus


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
    currency: str | None = None  # the price's currency (RON or EUR); None: the settings' currency


def buyer_from_customer(customer: Customer, profile: BillingProfile | None) -> BuyerSnapshot:
    """Return the buyer snapshot: the billing profile's data, or the customer as a person."""
    if profile is not None:
        return profile.snapshot()
    return {"kind": "person", "name": customer.name, "cnp": None, "company_name": None, "cui": None,
            "reg_com": None, "vat_number": None, "address": "", "city": "", "county": None,
            "postal_code": None, "country": "RO"}


def needs_rate(specs: list[LineSpec], buyer: BuyerSnapshot, settings: BillingSettings) -> bool:
    """True when a document for this buyer converts a price or is in EUR (its VAT is shown in lei)."""
    currency = document_currency(buyer)
    return currency != "RON" or any((spec.currency or settings.currency) != currency for spec in specs)


class Row(SimpleNamespace):
    """A document or line built as plain attributes, for a bulk INSERT (the billing run): the same values an
    Invoice or InvoiceLine would get, without the ORM's bookkeeping on every attribute set. `values(row)` is
    what the INSERT writes."""


def values(row: Invoice | InvoiceLine) -> dict[str, Any]:
    """The column values of a Row built with plain=True (its lines are not a column)."""
    return {k: v for k, v in vars(row).items() if k != "lines"}


def _plain_line(**fields: Any) -> InvoiceLine:
    return cast(InvoiceLine, Row(**fields))


def _build_lines(specs: list[LineSpec], buyer: BuyerSnapshot, settings: BillingSettings, treatment: Treatment,
                 rate: BnrRate | None = None, sign: int = 1,
                 line: Callable[..., InvoiceLine] = InvoiceLine) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    currency = document_currency(buyer)
    for pos, spec in enumerate(specs, start=1):
        vat_rate = spec.vat_rate if spec.vat_rate is not None else treatment.rate
        qty = Decimal(spec.quantity) * sign
        price_currency = spec.currency or settings.currency
        unit_price = convert(spec.unit_price, price_currency, currency, rate)
        amounts = line_amounts(qty, unit_price, vat_rate)
        converted = price_currency != currency
        lines.append(line(
            position=pos, description=spec.description[:300], service_id=spec.service_id,
            period_start=spec.period_start, period_end=spec.period_end, quantity=qty,
            unit_price=unit_price, vat_rate=vat_rate, net=amounts.net, vat=amounts.vat,
            price_currency=price_currency if converted else None,
            price_amount=Decimal(spec.unit_price) if converted else None,
            price_rate=rate.value if converted and rate is not None else None,
        ))
    return lines


def _set_treatment(invoice: Invoice, treatment: Treatment) -> None:
    invoice.vat_category, invoice.vat_mention = treatment.category, treatment.mention
    invoice.reverse_charge = treatment.reverse_charge


def treatment_of(invoice: Invoice) -> Treatment:
    """Return the VAT treatment an issued document carries (its lines' rate, its category and mention)."""
    rate = invoice.lines[0].vat_rate if invoice.lines else Decimal("0")
    return Treatment(invoice.vat_category or "S", Decimal(rate), invoice.vat_mention)


def _set_rate(invoice: Invoice, rate: BnrRate | None) -> None:
    """Record the rate a document used and, on an EUR document charging VAT, its VAT and total in lei."""
    converted = any(line.price_currency for line in invoice.lines)
    if rate is not None and (converted or invoice.currency != "RON"):
        invoice.exchange_rate, invoice.rate_date = rate.value, rate.day
    else:
        invoice.exchange_rate = invoice.rate_date = None
    if invoice.currency != "RON" and invoice.vat_total != 0:
        if invoice.exchange_rate is None:
            raise NoExchangeRate(N_("A %(currency)s document with Romanian VAT needs the BNR rate."),
                                 code="no_exchange_rate", currency=invoice.currency, day=None)
        lei = BnrRate(invoice.currency, invoice.exchange_rate, cast(dt.date, invoice.rate_date))  # CHECK rate_has_date
        invoice.vat_total_ron, invoice.total_ron = to_lei(invoice.vat_total, lei), to_lei(invoice.total, lei)
    else:
        invoice.vat_total_ron = invoice.total_ron = None


def document_rate(session: Session, specs: list[LineSpec], buyer: BuyerSnapshot, settings: BillingSettings,
                  day: dt.date) -> BnrRate | None:
    """Return the BNR rate a document dated `day` needs (fetched on demand), or None when it needs none."""
    if not needs_rate(specs, buyer, settings):
        return None
    return rate_for(session, day, url=settings.bnr_rates_url, timeout=settings.bnr_timeout,
                    timezone=settings.timezone)


def _totals(invoice: Invoice) -> None:
    invoice.subtotal = sum((line.net for line in invoice.lines), Decimal("0.00"))
    invoice.vat_total = sum((line.vat for line in invoice.lines), Decimal("0.00"))
    invoice.total = invoice.subtotal + invoice.vat_total


def add_event(session: Session, invoice: Invoice, action: str, *, actor_kind: str = "system",
              actor_id: int | None = None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              note: str | None = None, code: str | None = None, params: dict[str, Any] | None = None) -> InvoiceEvent:
    """Append an entry to the invoice's history.

    `note` is free text a person typed (a reason), kept as typed; what the system says is a `code` with
    its `params` (the codes are listed in hostico.web.i18n.EVENT_NOTES), shown in each reader's language.
    """
    event = InvoiceEvent(invoice_id=invoice.id, action=action, actor_kind=actor_kind, actor_id=actor_id,
                         before=before, after=after, note=note, note_code=code,
                         note_params={k: str(v) for k, v in (params or {}).items()} if code else None)
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
    rate: BnrRate | None = None,
    plain: bool = False,
    buyer: BuyerSnapshot | None = None,
) -> Invoice:
    """Build (without adding it to a session) an unpaid proforma carrying an already reserved number.

    `rate` is the BNR rate of its issue date when it converts a price or is in EUR (document_rate).
    plain=True builds it and its lines as `Row`s (the billing run inserts them in bulk; `values`). `buyer` is the
    snapshot of `profile` when the caller took it already (the billing run, once a customer as it checks the profile).
    """
    if buyer is None:
        buyer = buyer_from_customer(customer, profile)
    require_complete_buyer(buyer)
    fields: dict[str, Any] = dict(
        customer_id=customer.id, kind=InvoiceKind.PROFORMA, series=settings.proforma_series, number=number,
        code=format_code(settings.proforma_series, number), status=InvoiceStatus.UNPAID, origin=origin,
        issue_date=today, due_date=due_date or today + dt.timedelta(days=settings.proforma_due_days),
        seller=settings.seller_snapshot(), billing_profile_id=profile.id if profile else None,
        renewal_key=renewal_key,
    )
    invoice = cast(Invoice, Row(**fields)) if plain else Invoice(**fields)
    return price_document(invoice, specs, buyer, settings, today, rate, plain=plain)


def price_document(invoice: Invoice, specs: list[LineSpec], buyer: BuyerSnapshot, settings: BillingSettings,
                   day: dt.date, rate: BnrRate | None, *, plain: bool = False) -> Invoice:
    """Give a new document its buyer's currency and VAT treatment on `day`, its lines, totals and lei amounts.

    What a proforma gets when it is built, and what the order page's summary shows before it is
    (billing/order_quote.py, on an unsaved Invoice): one computation, so the two cannot differ.
    plain=True builds the lines as `Row`s (build_proforma for the billing run).
    """
    treatment = tax_treatment(buyer, settings, day)
    invoice.currency, invoice.buyer = document_currency(buyer), buyer
    _set_treatment(invoice, treatment)
    invoice.lines = _build_lines(specs, buyer, settings, treatment, rate, line=_plain_line if plain else InvoiceLine)
    _totals(invoice)
    _set_rate(invoice, rate)
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
        raise InvalidTransition(N_("Unknown proforma origin %(origin)s."), code="unknown_origin", origin=origin)
    if not specs:
        raise InvalidTransition(N_("A proforma needs at least one line."), code="no_lines")
    if profile is None:
        profile = billing_profile_for(session, customer.id, settings)
    buyer = buyer_from_customer(customer, profile)
    require_complete_buyer(buyer)  # before a number is taken
    rate = document_rate(session, specs, buyer, settings, today)  # before the lock: it may read BNR's feed
    number, issue_date = next_number(session, settings.proforma_series, today)
    if rate is not None and issue_date != today:
        rate = document_rate(session, specs, buyer, settings, issue_date)
    invoice = build_proforma(customer, specs, origin=origin, settings=settings, today=issue_date, number=number,
                             profile=profile, renewal_key=renewal_key, due_date=due_date, rate=rate)
    session.add(invoice)
    session.flush()
    add_event(session, invoice, "created", actor_kind=actor_kind, actor_id=actor_id, note=origin)
    return invoice


def recompute(invoice: Invoice, settings: BillingSettings, today: dt.date | None = None) -> None:
    """Re-derive currency, VAT treatment, rates and totals of an unpaid proforma from its current buyer.

    The VAT rate is the one in force on `today` (default: the proforma's issue date). A buyer who moves
    in or out of Romania changes the document's currency: prices are converted again from their
    original currency at the proforma's own BNR rate.
    """
    # Partly paid too: the rest follows the rate.
    if invoice.kind != InvoiceKind.PROFORMA or invoice.status != InvoiceStatus.UNPAID:
        raise InvalidTransition(N_("Only unpaid proformas can be recomputed."), code="not_unpaid")
    currency = document_currency(invoice.buyer)
    bnr_rate = (BnrRate("EUR", invoice.exchange_rate, cast(dt.date, invoice.rate_date)) if invoice.exchange_rate
                else None)
    converts = currency != "RON" or any((line.price_currency or invoice.currency) != currency for line in invoice.lines)
    session = object_session(invoice)
    if bnr_rate is None and converts and session is not None:  # the proforma's own day's rate
        bnr_rate = rate_for(session, invoice.issue_date, url=settings.bnr_rates_url, timeout=settings.bnr_timeout,
                            timezone=settings.timezone)
    apply_buyer_treatment(invoice, settings, today or invoice.issue_date, bnr_rate)


def apply_buyer_treatment(invoice: Invoice, settings: BillingSettings, day: dt.date, bnr_rate: BnrRate | None) -> None:
    """Give a document the currency and VAT treatment of its buyer (tax_treatment, the VAT rate in force on
    `day`): prices are converted again from their original currency at `bnr_rate`, lines and totals follow.

    The one re-derivation behind a proforma edit, "another payer" (recompute) and a reissue on another buyer.
    """
    treatment = tax_treatment(invoice.buyer, settings, day)
    rate = treatment.rate
    currency = document_currency(invoice.buyer)
    for line in invoice.lines:
        if currency != invoice.currency or line.price_currency:
            original, price = line.price_currency or invoice.currency, line.price_amount or line.unit_price
            line.unit_price = convert(price, original, currency, bnr_rate)
            converted = original != currency
            line.price_currency, line.price_amount = (original, price) if converted else (None, None)
            line.price_rate = bnr_rate.value if converted and bnr_rate is not None else None
        amounts = line_amounts(line.quantity, line.unit_price, rate)
        line.vat_rate, line.net, line.vat = rate, amounts.net, amounts.vat
    invoice.currency = currency
    _set_treatment(invoice, treatment)
    _totals(invoice)
    _set_rate(invoice, bnr_rate)


def follows_rate_table(invoice: Invoice, settings: BillingSettings, day: dt.date) -> bool:
    """True when an unpaid proforma charges Romanian VAT at a table rate other than the one in force on `day`."""
    if invoice.vat_category != "S":
        return False
    want, table = settings.vat_rate_on(day), settings.vat_rates_in_table
    return any(line.vat_rate != want and line.vat_rate in table for line in invoice.lines)


def reprice(session: Session, invoice: Invoice, settings: BillingSettings, day: dt.date, *,
            actor_kind: str = "system", actor_id: int | None = None) -> bool:
    """Bring an unpaid proforma to the VAT rate in force on `day` (docs/fiscal.md, VAT by date), with an event
    in its history; return False when it already charges that rate."""
    if not follows_rate_table(invoice, settings, day):
        return False
    before = {"vat_rates": sorted({str(line.vat_rate) for line in invoice.lines}), "vat_total": str(invoice.vat_total),
              "total": str(invoice.total)}
    recompute(invoice, settings, day)
    rate = settings.vat_rate_on(day)
    add_event(session, invoice, "vat_recomputed", actor_kind=actor_kind, actor_id=actor_id, before=before,
              after={"vat_rates": [str(rate)], "vat_total": str(invoice.vat_total), "total": str(invoice.total)},
              code="vat_rate_on", params={"rate": rate.normalize(), "day": day.isoformat()})
    return True


def chargeable_rate(session: Session, currency: str, settings: BillingSettings, day: dt.date) -> BnrRate | None:
    """The BNR rate for the VAT in lei of an EUR tax invoice whose chargeable event is `day` (art. 290)."""
    if currency == "RON":
        return None
    return rate_for(session, day, url=settings.bnr_rates_url, timeout=settings.bnr_timeout,
                    timezone=settings.timezone, currency=currency)


def needs_new_treatment(proforma: Invoice, buyer: BuyerSnapshot, settings: BillingSettings, day: dt.date) -> bool:
    """True when a sale billed on the proforma's data is taxed otherwise for `buyer` on `day` (VAT category,
    rate or mention, or the currency), as a proforma edit decides it."""
    return (treatment_of(proforma) != tax_treatment(buyer, settings, day)
            or document_currency(buyer) != proforma.currency)


def tax_invoice_rate(session: Session, proforma: Invoice, buyer: BuyerSnapshot, settings: BillingSettings,
                     collected_on: dt.date) -> BnrRate | None:
    """The BNR rate the tax invoice of `proforma` for `buyer` collected on `collected_on` needs, or None.

    Every EUR tax invoice (S, AE and O) uses the rate of the banking day before the collection date
    (art. 290: the last rate BNR published before it); a RON one keeps its proforma's conversion rate,
    unless it is a new sale to another buyer (a reissue) whose prices are converted on that day.
    """
    renewed = needs_new_treatment(proforma, buyer, settings, collected_on)
    currency = document_currency(buyer) if renewed else proforma.currency
    converts = renewed and (proforma.currency != currency
                            or any((line.price_currency or proforma.currency) != currency for line in proforma.lines))
    if currency == "RON" and not converts:
        return None
    return rate_for(session, collected_on, url=settings.bnr_rates_url, timeout=settings.bnr_timeout,
                    timezone=settings.timezone)


def issue_tax_invoice(session: Session, proforma: Invoice, *, settings: BillingSettings, today: dt.date,
                      buyer: BuyerSnapshot | None = None, collected_on: dt.date | None = None,
                      reissue_of: Invoice | None = None, storno: Invoice | None = None,
                      lines: list[InvoiceLine] | None = None) -> Invoice:
    """Issue the tax invoice for a paid proforma: the next number of the tax series, same lines (or `lines`:
    an advance's, or the proforma's followed by the deduction of its advances).

    `collected_on` is the day the money arrived (printed as "data încasării"; the chargeable event of
    an advance payment); the issue date is taken with the number, never before the series' last one.
    A RON document keeps the proforma's lei (the amount received) and its conversion rate; an EUR one
    (S, AE or O) gets the BNR rate of the collection day (art. 290), and its VAT in lei at that rate.
    A reissue (`reissue_of`, cancelled by `storno`) is a new sale to the buyer it names: when that buyer
    is taxed otherwise than the proforma's, VAT category, rate, currency and prices are derived for it
    as a proforma edit would (apply_buyer_treatment), on the collection date.
    """
    if proforma.kind != InvoiceKind.PROFORMA:
        raise InvalidTransition(N_("A tax invoice is issued from a proforma."), code="not_a_proforma")
    buyer = buyer or proforma.buyer.copy()
    require_complete_buyer(buyer)
    collected_on = collected_on or today
    renewed = reissue_of is not None and needs_new_treatment(proforma, buyer, settings, collected_on)
    bnr_rate = tax_invoice_rate(session, proforma, buyer if reissue_of is not None else proforma.buyer.copy(),
                                settings, collected_on)
    number, issue_date = next_number(session, settings.tax_series, today)
    tax = Invoice(
        customer_id=proforma.customer_id, kind=InvoiceKind.TAX, series=settings.tax_series, number=number,
        code=format_code(settings.tax_series, number), status=InvoiceStatus.ISSUED, origin=proforma.origin,
        issue_date=issue_date, due_date=None, currency=proforma.currency, buyer=buyer,
        seller=settings.seller_snapshot(), billing_profile_id=proforma.billing_profile_id,
        reverse_charge=proforma.reverse_charge, vat_category=proforma.vat_category,
        vat_mention=proforma.vat_mention, proforma_id=proforma.id, paid_at=utcnow(), collected_on=collected_on,
    )
    tax.lines = lines if lines is not None else copy_lines(proforma)
    if renewed:
        apply_buyer_treatment(tax, settings, collected_on, bnr_rate)
    else:
        _totals(tax)
        if tax.currency == "RON" and proforma.exchange_rate is not None:
            bnr_rate = BnrRate(proforma.currency, proforma.exchange_rate, cast(dt.date, proforma.rate_date))
        _set_rate(tax, bnr_rate)
    session.add(tax)
    session.flush()
    if reissue_of is not None:
        params = {"invoice": reissue_of.code, "proforma": proforma.code}
        if storno is not None:
            params["storno"] = storno.code
        add_event(session, tax, "issued", code="reissue_of", params=params)
    else:
        add_event(session, tax, "issued", code="from_proforma", params={"proforma": proforma.code})
    return tax


def copy_lines(proforma: Invoice) -> list[InvoiceLine]:
    """The proforma's lines, as a tax invoice carries them."""
    return [
        InvoiceLine(position=line.position, description=line.description, service_id=line.service_id,
                    period_start=line.period_start, period_end=line.period_end, quantity=line.quantity,
                    unit_price=line.unit_price, vat_rate=line.vat_rate, net=line.net, vat=line.vat,
                    price_currency=line.price_currency, price_amount=line.price_amount,
                    price_rate=line.price_rate if line.price_currency else None)
        for line in proforma.lines
    ]


# Fields that make up an issued document: once a tax invoice or credit note exists they never change
# (docs/billing.md; docs/security.md item 20). Corrections are credit notes, i.e. new documents.
FROZEN_FIELDS = ("kind", "series", "number", "code", "status", "origin", "issue_date", "due_date", "currency",
                 "buyer", "seller", "reverse_charge", "vat_category", "vat_mention", "subtotal", "vat_total", "total",
                 "proforma_id", "corrects_id", "customer_id", "billing_profile_id", "exchange_rate", "rate_date",
                 "vat_total_ron", "total_ron", "collected_on")
FROZEN_LINE_FIELDS = ("description", "service_id", "period_start", "period_end", "quantity", "unit_price",
                      "vat_rate", "net", "vat", "position", "invoice_id", "price_currency", "price_amount",
                      "price_rate", "corrects_line_id")


@event.listens_for(Invoice, "before_update")
def _refuse_changing_issued_document(mapper: Mapper[Invoice], connection: Connection, target: Invoice) -> None:
    state = inspect(target)
    kind_history = state.attrs.kind.history
    original_kind = kind_history.deleted[0] if kind_history.deleted else target.kind
    if original_kind == InvoiceKind.PROFORMA:
        return
    changed = [name for name in FROZEN_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise InvoiceNotEditable(N_("Invoice %(number)s is issued and cannot change (%(fields)s); issue a credit note "
                                    "instead."), code="issued", number=target.code, fields=", ".join(changed))


def _refuse_line_change(connection: Connection, line: InvoiceLine, changed: bool) -> None:
    if not changed:
        return
    kind = connection.scalar(select(Invoice.kind).where(Invoice.id == line.invoice_id))
    if kind is not None and kind != InvoiceKind.PROFORMA:
        raise InvoiceNotEditable(N_("The lines of an issued invoice cannot change; issue a credit note instead."),
                                 code="issued_lines")


@event.listens_for(InvoiceLine, "before_update")
def _refuse_changing_issued_line(mapper: Mapper[InvoiceLine], connection: Connection, target: InvoiceLine) -> None:
    state = inspect(target)
    _refuse_line_change(connection, target,
                        any(state.attrs[name].history.has_changes() for name in FROZEN_LINE_FIELDS))


@event.listens_for(InvoiceLine, "before_delete")
def _refuse_deleting_issued_line(mapper: Mapper[InvoiceLine], connection: Connection, target: InvoiceLine) -> None:
    _refuse_line_change(connection, target, True)

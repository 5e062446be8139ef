"""The sales journal (jurnal de vânzări), the VAT summary and the OSS threshold count (docs/reports.md).

One journal row per tax invoice and credit note whose chargeable event falls in the month (issued by the month's
closing day, the 15th of the next; a document issued later is in the month it is issued): the collection
date of a tax invoice issued for money received (an advance, art. 282 alin. 2 lit. b Cod fiscal), the issue
date otherwise (a credit note). Amounts are in lei, per VAT category and rate; a document in EUR is converted
at the BNR rate it stores (art. 290), or, when it stores none (no VAT in lei was printed), at the last rate
BNR published before its chargeable event. The totals are the sums of the rows, so they equal the documents.

The journal streams: documents are read in batches (`yield_per`, a server-side cursor on PostgreSQL) and
each row is handed on as soon as its lines are read; only the running totals stay in memory.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from hostico.billing.errors import BillingError
from hostico.billing.taxes import EU_COUNTRIES, OUTSIDE_SCOPE, REVERSE_CHARGE, STANDARD, round_money
from hostico.errors import N_
from hostico.models import ExchangeRate, Invoice, InvoiceLine
from hostico.models.invoice import InvoiceKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
OSS_THRESHOLD_EUR = Decimal("10000.00")  # EU-wide, per calendar year (art. 278 alin. 8 Cod fiscal)
BATCH = 2000
JOURNAL_KINDS = (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE)
CATEGORY_ORDER = {STANDARD: 0, REVERSE_CHARGE: 1, OUTSIDE_SCOPE: 2}

ColumnKey = tuple[str, Decimal]  # (VAT category, rate in percent)


class ReportError(BillingError):
    """A report cannot be produced (a month that is not YYYY-MM, a document without a rate)."""


def parse_month(text: str) -> dt.date:
    """Return the first day of the month `YYYY-MM`; ReportError (code bad_month) otherwise."""
    try:
        year, month = (int(part) for part in str(text).strip().split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise ReportError(N_("A month is written YYYY-MM, e.g. 2026-11."), code="bad_month", field="month") from None


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    """The month's first day and the first day of the next month."""
    first = first.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def column_sort_key(key: ColumnKey) -> tuple[int, Decimal]:
    """Standard VAT first (highest rate first), then reverse charge, then not taxable."""
    return CATEGORY_ORDER.get(key[0], 9), -key[1]


@dataclass(frozen=True)
class JournalRow:
    """One document as the journal shows it; amounts in lei."""

    position: int
    number: str
    kind: str
    issue_date: dt.date
    collected_on: dt.date | None
    event_date: dt.date
    buyer_name: str
    buyer_code: str
    buyer_country: str
    buyer_vat_number: str
    category: str
    currency: str
    exchange_rate: Decimal | None
    rate_date: dt.date | None
    amounts: dict[ColumnKey, tuple[Decimal, Decimal]]  # (category, rate) -> (base, VAT) in lei
    total_original: Decimal  # the document's total in its own currency
    base: Decimal = ZERO
    vat: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.base + self.vat


@dataclass
class Journal:
    """The month's journal: iterate it once for its rows; the totals are complete after the last row."""

    month: dt.date
    columns: tuple[ColumnKey, ...]
    _rows: Iterator[JournalRow]
    count: int = 0
    totals: dict[ColumnKey, list[Decimal]] = field(default_factory=dict)
    base: Decimal = ZERO
    vat: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.base + self.vat

    def __iter__(self) -> Iterator[JournalRow]:
        for row in self._rows:
            self.count += 1
            for key, (base, vat) in row.amounts.items():
                pair = self.totals.setdefault(key, [ZERO, ZERO])
                pair[0] += base
                pair[1] += vat
            self.base += row.base
            self.vat += row.vat
            yield row


def _event_date() -> ColumnElement[dt.date]:
    return func.coalesce(Invoice.collected_on, Invoice.issue_date)


CLOSING_DAY = 15  # a month's journal closes on the 15th of the next month (art. 319 alin. 16 Cod fiscal)


def _month_filter(start: dt.date, end: dt.date) -> tuple[Any, ...]:
    """The documents of the month's journal (docs/reports.md, "A closed month never changes"): those whose
    chargeable event falls in it and that were issued by its closing day (the 15th of the next month), and those
    issued in it after the closing day of their own event's month (a reissue dated by an older collection date,
    a payment recorded late): a month's journal never changes once it has closed."""
    event = _event_date()
    closing = end.replace(day=CLOSING_DAY)
    previous = (start - dt.timedelta(days=1)).replace(day=1)
    own = and_(event >= start, event < end, Invoice.issue_date <= closing)
    late = and_(Invoice.issue_date >= start, Invoice.issue_date < end,
                or_(event < previous, and_(event < start, Invoice.issue_date > start.replace(day=CLOSING_DAY))))
    return Invoice.kind.in_(JOURNAL_KINDS), or_(own, late)


def journal_columns(session: Session, start: dt.date, end: dt.date) -> tuple[ColumnKey, ...]:
    """The (category, rate) pairs the month's documents use, in the journal's column order."""
    rows = session.execute(
        select(Invoice.vat_category, InvoiceLine.vat_rate).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(*_month_filter(start, end)).distinct()
    ).all()
    keys = {(category, Decimal(rate) if category == STANDARD else Decimal("0.00")) for category, rate in rows}
    return tuple(sorted(keys, key=column_sort_key))


class _Rates:
    """The stored BNR rates of a currency, read once, for documents that store none (art. 290: the last rate
    published before the chargeable event)."""

    def __init__(self, session: Session, until: dt.date) -> None:
        self.session, self.until = session, until
        self.loaded: dict[str, tuple[list[dt.date], list[Decimal]]] = {}

    def before(self, currency: str, day: dt.date) -> tuple[Decimal, dt.date] | None:
        if currency not in self.loaded:
            rows = self.session.execute(
                select(ExchangeRate.day, ExchangeRate.rate, ExchangeRate.multiplier)
                .where(ExchangeRate.currency == currency, ExchangeRate.day < self.until).order_by(ExchangeRate.day)
            ).all()
            self.loaded[currency] = ([r.day for r in rows],
                                     [(r.rate / r.multiplier).quantize(Decimal("0.0001")) for r in rows])
        days, values = self.loaded[currency]
        index = bisect.bisect_left(days, day) - 1
        return (values[index], days[index]) if index >= 0 else None


def _lei(amount: Decimal, rate: Decimal) -> Decimal:
    return round_money(amount * rate)


BUYER_KEYS = ("kind", "name", "company_name", "cui", "cnp", "vat_number", "country")


def buyer_fields(buyer: object) -> tuple[str, str, str, str]:
    """(name, code, country, VAT number) of a buyer snapshot (a dict, or a row with the BUYER_KEYS read in SQL):
    the code is the VAT number or CUI of a company, the CNP of a person (empty when none was given)."""
    get: Callable[[str], Any] = buyer.get if isinstance(buyer, dict) else (lambda key: getattr(buyer, "buyer_" + key))
    company = get("kind") == "company"
    name = (get("company_name") if company else get("name")) or ""
    vat_number = (get("vat_number") or "").replace(" ", "").upper()
    code = (vat_number or (get("cui") or "")) if company else (get("cnp") or "")
    return name, code.replace(" ", ""), (get("country") or "RO").upper(), vat_number


def _journal_row(position: int, head: Any, lines: list[Any], rates: _Rates) -> JournalRow:
    key_of: dict[Decimal, ColumnKey] = {}
    groups: dict[ColumnKey, list[Decimal]] = {}
    for line in lines:
        rate = Decimal(line.vat_rate) if head.vat_category == STANDARD else Decimal("0.00")
        key = key_of.setdefault(rate, (head.vat_category, rate))
        pair = groups.setdefault(key, [ZERO, ZERO])
        pair[0] += line.net
        pair[1] += line.vat
    exchange_rate, rate_date = head.exchange_rate, head.rate_date
    if head.currency != "RON":
        if exchange_rate is None:
            found = rates.before(head.currency, head.event)
            if found is None:
                raise ReportError(N_("Document %(number)s is in %(currency)s and no BNR rate is stored for it."),
                                  code="report_no_rate", number=head.code, currency=head.currency)
            exchange_rate, rate_date = found
        amounts = {key: (_lei(base, exchange_rate), _lei(vat, exchange_rate)) for key, (base, vat) in groups.items()}
        if head.total_ron is not None and head.vat_total_ron is not None and amounts:
            # The lei the document printed (art. 319 alin. 23) are the figures: the first group takes the cents.
            first = min(amounts, key=column_sort_key)
            base_sum = sum((b for b, _ in amounts.values()), ZERO)
            vat_sum = sum((v for _, v in amounts.values()), ZERO)
            b, v = amounts[first]
            amounts[first] = (b + (head.total_ron - head.vat_total_ron) - base_sum, v + head.vat_total_ron - vat_sum)
    else:
        amounts = {key: (base, vat) for key, (base, vat) in groups.items()}
        exchange_rate = rate_date = None  # a RON document is in lei; a rate it stores converted prices only
    if len(amounts) > 1:
        amounts = dict(sorted(amounts.items(), key=lambda item: column_sort_key(item[0])))
    name, code, country, vat_number = buyer_fields(head)
    return JournalRow(
        position=position, number=head.code, kind=head.kind, issue_date=head.issue_date,
        collected_on=head.collected_on, event_date=head.event, buyer_name=name, buyer_code=code,
        buyer_country=country, buyer_vat_number=vat_number, category=head.vat_category, currency=head.currency,
        exchange_rate=exchange_rate, rate_date=rate_date, amounts=amounts, total_original=head.total,
        base=sum((b for b, _ in amounts.values()), ZERO), vat=sum((v for _, v in amounts.values()), ZERO),
    )


def _stream_rows(session: Session, start: dt.date, end: dt.date) -> Iterator[JournalRow]:
    event = _event_date().label("event")
    stmt = (
        select(Invoice.id, Invoice.code, Invoice.kind, Invoice.issue_date, Invoice.collected_on, event,
               *(Invoice.buyer[key].as_string().label("buyer_" + key) for key in BUYER_KEYS), Invoice.vat_category,
               Invoice.currency, Invoice.exchange_rate, Invoice.rate_date, Invoice.total,
               Invoice.vat_total_ron, Invoice.total_ron,
               InvoiceLine.vat_rate, InvoiceLine.net, InvoiceLine.vat)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(*_month_filter(start, end))
        .order_by(_event_date(), Invoice.series, Invoice.number, InvoiceLine.position, InvoiceLine.id)
        .execution_options(yield_per=BATCH)
    )
    rates = _Rates(session, end)
    position, head, lines = 0, None, []
    for row in session.execute(stmt):
        if head is not None and row.id != head.id:
            position += 1
            yield _journal_row(position, head, lines, rates)
            lines = []
        head = row
        lines.append(row)
    if head is not None:
        yield _journal_row(position + 1, head, lines, rates)


def sales_journal(session: Session, month: dt.date) -> Journal:
    """The sales journal of `month` (any day of it): iterate it for the rows, then read its totals."""
    start, end = month_bounds(month)
    return Journal(month=start, columns=journal_columns(session, start, end), _rows=_stream_rows(session, start, end))


@dataclass(frozen=True)
class SummaryLine:
    category: str
    rate: Decimal
    documents: int
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class EuPartnerLine:
    """D390: services supplied (operation type P) to one EU business under reverse charge, in lei."""

    country: str
    vat_number: str
    name: str
    documents: int
    base: Decimal
    operation: str = "P"


@dataclass(frozen=True)
class VatSummary:
    month: dt.date
    lines: tuple[SummaryLine, ...]
    eu_partners: tuple[EuPartnerLine, ...]
    documents: int
    base: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.base + self.vat


def vat_summary(session: Session, month: dt.date) -> VatSummary:
    """The month's VAT per category and rate (the inputs of D300) and the reverse-charge services per EU
    partner (D390), summed from the journal's rows so the three always agree."""
    journal = sales_journal(session, month)
    per_key: dict[ColumnKey, list[Any]] = {}
    partners: dict[tuple[str, str], list[Any]] = {}
    for row in journal:
        for key, (base, vat) in row.amounts.items():
            entry = per_key.setdefault(key, [0, ZERO, ZERO])
            entry[0] += 1
            entry[1] += base
            entry[2] += vat
        if row.category == REVERSE_CHARGE:
            partner_key = (row.buyer_country, row.buyer_vat_number or row.buyer_code)
            entry = partners.setdefault(partner_key, [row.buyer_name, 0, ZERO])
            entry[1] += 1
            entry[2] += row.base
    lines = tuple(SummaryLine(category=k[0], rate=k[1], documents=v[0], base=v[1], vat=v[2])
                  for k, v in sorted(per_key.items(), key=lambda item: column_sort_key(item[0])))
    eu = tuple(EuPartnerLine(country=k[0], vat_number=k[1], name=v[0], documents=v[1], base=v[2])
               for k, v in sorted(partners.items()))
    return VatSummary(month=journal.month, lines=lines, eu_partners=eu, documents=journal.count,
                      base=journal.base, vat=journal.vat)


@dataclass(frozen=True)
class OssStatus:
    """Cross-border sales to EU consumers in one calendar year against the 10,000 EUR threshold."""

    year: int
    total_eur: Decimal
    threshold: Decimal = OSS_THRESHOLD_EUR

    @property
    def percent(self) -> Decimal:
        return (self.total_eur * 100 / self.threshold).quantize(Decimal("0.1"))

    @property
    def level(self) -> str:
        """"exceeded" at 100% of the threshold, "warning" from 80%, "ok" below."""
        if self.total_eur >= self.threshold:
            return "exceeded"
        if self.total_eur * 5 >= self.threshold * 4:
            return "warning"
        return "ok"


def oss_status(session: Session, year: int) -> OssStatus:
    """Sum, in EUR and without VAT, the tax invoices and credit notes of `year` (by chargeable event) taxed in
    Romania (category S) for buyers established in another EU state: the sales OSS counts (docs/reports.md)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    country = Invoice.buyer["country"].as_string()
    where = (*_month_filter(start, end), Invoice.vat_category == STANDARD,
             country.in_(sorted(EU_COUNTRIES - {"RO"})))
    total = ZERO
    for currency, subtotal, rate in session.execute(
        select(Invoice.currency, func.sum(Invoice.subtotal), Invoice.exchange_rate)
        .where(*where).group_by(Invoice.currency, Invoice.exchange_rate)
    ):
        subtotal = Decimal(subtotal or 0)
        if currency == "EUR":
            total += subtotal
        elif rate:  # a lei document (a payer edit) counts at the rate it stores
            total += (subtotal / Decimal(rate)).quantize(CENT)
    return OssStatus(year=year, total_eur=total.quantize(CENT))

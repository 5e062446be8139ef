"""My Invoices' list: the one statement of a page (rows, total, credit), its rows (InvoiceRow) and their
remembered markup; also the rows of a service's page. The views are hostico/client/invoices.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Integer, Row, Select, Text, bindparam, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from hostico.billing.credit import Balance, balances, balances_column, balances_from_column
from hostico.billing.queries import credited_total, customer_status, paid, unpaid_proforma
from hostico.client.blueprint import bp
from hostico.models import BillingProfile, Invoice, InvoiceLine, PendingBillingEdit
from hostico.models.invoice import PendingEditStatus
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.urls import url_for

PER_PAGE = 20
STATUS_FILTERS = ("all", "unpaid", "paid")
KIND_FILTERS = ("all", "proforma", "tax", "credit_note")


def status_of(invoice: Invoice | InvoiceRow, today: dt.date, credited: Decimal | None) -> str:
    """The status the customer reads for an invoice or a row (billing.queries.customer_status)."""
    return customer_status(invoice.kind, invoice.status, total=invoice.total, amount_paid=invoice.amount_paid,
                           due_date=invoice.due_date, credited=credited, today=today)


_PLAIN_CODE = re.compile(r"[A-Za-z0-9-]+")
_PLACEHOLDER = "INVOICECODE0"


class InvoiceLinks:
    """The links of an invoice row, from prefixes built once per render instead of 4 url_for per row."""

    __slots__ = ("_parts", "key")
    ENDPOINTS = {"view": "client.invoice", "pdf": "client.invoice_pdf_download", "pay": "client.pay",
                 "edit": "client.edit_proforma"}

    def __init__(self) -> None:
        self._parts = {name: url_for(endpoint, code=_PLACEHOLDER).split(_PLACEHOLDER, 1)
                       for name, endpoint in self.ENDPOINTS.items()}
        self.key = tuple(tuple(parts) for parts in self._parts.values())  # what every link depends on

    def _link(self, name: str, code: str) -> str:
        if not _PLAIN_CODE.fullmatch(code):  # anything URL quoting could change: let url_for build it
            return url_for(self.ENDPOINTS[name], code=code)
        prefix, suffix = self._parts[name]
        return prefix + code + suffix

    def view(self, code: str) -> str:
        """Return the invoice page's URL."""
        return self._link("view", code)

    def pdf(self, code: str) -> str:
        """Return the PDF download URL."""
        return self._link("pdf", code)

    def pay(self, code: str) -> str:
        """Return the payment page's URL."""
        return self._link("pay", code)

    def edit(self, code: str) -> str:
        """Return the billing-data edit URL."""
        return self._link("edit", code)


@bp.app_template_global()
def invoice_links() -> InvoiceLinks:
    """Return the row link builder for this render (templates/client/_invoice_row.html)."""
    return InvoiceLinks()


@bp.app_template_global()
def unpaid_proformas(rows: list[InvoiceRow]) -> list[InvoiceRow]:
    """The rows whose Pay button and tick box belong to the pay-several form (one loop, not two Jinja filters)."""
    return [row for row in rows if row.status == "unpaid" and row.kind == "proforma"]


ROW_CACHE_SIZE = 4096


@bp.app_template_global()
def cached_invoice_rows(macro, rows: list[InvoiceRow], links: InvoiceLinks, labels: dict, lang: str) -> Markup:
    """Render the list's rows with the `invoice_row` macro, reusing the markup rendered before for the same row.

    A row is a pure function of its InvoiceRow (every column it may show; the macro can read nothing else), the
    language and the link prefixes; rows were four fifths of My Invoices' rendering time. Remembered per language
    and link prefixes, then by invoice id with the InvoiceRow it was rendered from: a hit is an int lookup and an
    equality test, where hashing the whole row (17 fields, new Decimals and strings every request) cost 1.5 us a
    row; a changed invoice is unequal, rendered again and replaces its old markup. Per app and per process, at
    most ROW_CACHE_SIZE rows, cleared when full. One call for the whole page: the loop runs here, not as 20
    template calls.
    """
    cache = current_app.extensions.setdefault("hostico_invoice_rows", {})
    scope = cache.get((lang, links.key))
    if scope is None:
        scope = cache.setdefault((lang, links.key), {})
    html = []
    for inv in rows:
        known = scope.get(inv.id)
        if known is not None and known[0] == inv:
            row = known[1]
        else:
            row = escape(macro(inv, inv.pending_name, links=links, L=labels))  # Markup already: the macro autoescapes
            if known is None and sum(map(len, cache.values())) >= ROW_CACHE_SIZE:
                cache.clear()
                scope = cache.setdefault((lang, links.key), {})
            scope[inv.id] = (inv, row)
        html.append(row)
    return Markup("\n".join(html))  # noqa: S704 - every row is Markup (escaped above), as Markup.join would make it


class InvoiceRow(NamedTuple):
    """One row of the list: the columns templates/client/_invoice_row.html reads, without an ORM entity.

    The buyer snapshot comes as its stored JSON text, read only when the row is rendered: every field is then
    plain and hashable, so the row itself is its cache key, and a remembered row costs no JSON decoding at all.
    """

    id: int
    code: str
    kind: str
    status: str
    issue_date: dt.date
    due_date: dt.date | None
    currency: str
    buyer_json: str
    reverse_charge: bool
    total: Decimal
    amount_paid: Decimal
    credited: Decimal
    tax_code: str | None  # a paid proforma's tax invoice (the newest), shown in the same row
    tax_total: Decimal | None
    tax_credited: Decimal | None
    pending_name: str | None
    today: dt.date  # the business day the status is read on: part of the cache key, as overdue depends on it

    @property
    def amount_due(self) -> Decimal:
        return Invoice.amount_due.fget(self)

    @property
    def display_status(self) -> str:
        if self.tax_code and self.tax_credited and self.tax_total is not None:  # the sale, corrected since
            return customer_status("tax", "issued", total=self.tax_total, amount_paid=None, due_date=None,
                                   credited=self.tax_credited, today=self.today)
        return status_of(self, self.today, self.credited)

    @property
    def buyer(self) -> dict:
        """The buyer snapshot, as Invoice.buyer gives it."""
        return json.loads(self.buyer_json)

    @property
    def buyer_name(self) -> str:
        """Return the buyer's name as Invoice.buyer_name does."""
        return Invoice.buyer_name.fget(self)


# What a row of the list shows, in InvoiceRow's order; anything else is not loaded at all.
# A paid proforma and the tax invoice it became are one row (docs/client-area.md): the row joins its newest tax
# invoice, and the list leaves out the tax invoices that have a proforma unless it shows tax invoices only.
TAX = aliased(Invoice, name="tax")
_NEWEST_TAX = aliased(Invoice, name="newest_tax")


def _row_columns(row: type[Invoice]) -> tuple[ColumnElement, ...]:
    """The columns of a row for Invoice or an alias of it (a page of the list), in InvoiceRow's order; joined
    to TAX on `_newest_tax_id(row)`."""
    return (row.id, row.code, row.kind, row.status, row.issue_date, row.due_date, row.currency,
            cast(row.buyer, Text), row.reverse_charge, row.total, row.amount_paid, credited_total(row),
            TAX.code, TAX.total, credited_total(TAX))


def _newest_tax_id(row: type[Invoice]) -> ColumnElement[int | None]:
    return (select(func.max(_NEWEST_TAX.id)).where(_NEWEST_TAX.proforma_id == row.id, _NEWEST_TAX.kind == "tax")
            .correlate(row).scalar_subquery())


MAX_PAGE = 10**6  # beyond any real list; keeps OFFSET inside the databases' integer range


def _conditions(entity: type[Invoice], status: str, kind: str) -> list[ColumnElement[bool]]:
    """The list's WHERE for Invoice or an alias of it: the customer's own invoices (:customer_id), filtered."""
    conditions = [entity.customer_id == bindparam("customer_id", type_=Integer)]
    if status == "unpaid":
        conditions.append(unpaid_proforma(entity))
    elif status == "paid":
        conditions.append(paid(entity))
    if kind != "all":
        conditions.append(entity.kind == kind)
    else:  # a tax invoice of a proforma is shown in the proforma's row
        conditions.append(or_(entity.kind != "tax", entity.proforma_id.is_(None)))
    return conditions


def _pending_name(row: type[Invoice] = Invoice) -> ColumnElement[str | None]:
    """Per row: the name on the invoice's newest billing change waiting for staff approval, else NULL.

    Asked per row only when the customer has any change waiting (one uncorrelated EXISTS, evaluated once, on the
    same conditions but the invoice): most customers have none, and the per-row lookup and sort were a seventh of
    PostgreSQL's time for the list (0.21 -> 0.18 ms)."""
    customer_id = bindparam("customer_id", type_=Integer)
    any_waiting = aliased(PendingBillingEdit, name="any_waiting")
    name = (
        select(BillingProfile.display_name)
        .join(PendingBillingEdit, PendingBillingEdit.billing_profile_id == BillingProfile.id)
        .where(PendingBillingEdit.invoice_id == row.id, PendingBillingEdit.status == PendingEditStatus.PENDING,
               PendingBillingEdit.customer_id == customer_id)
        .order_by(PendingBillingEdit.id.desc()).limit(1)
        .correlate(row).scalar_subquery()
    )
    return case((exists().where(any_waiting.status == PendingEditStatus.PENDING,
                                any_waiting.customer_id == customer_id).correlate(None), name), else_=None)


@lru_cache(maxsize=len(STATUS_FILTERS) * len(KIND_FILTERS))
def _list_statement(status: str, kind: str) -> Select:
    """The list query for one filter, built once: SQLAlchemy builds a statement slower than it runs it.

    The page's rows are chosen first, in a subquery (filter, order, LIMIT/OFFSET, the invoice's columns), and only
    those rows are joined to their tax invoice and have their credit notes summed: with the join in the same query
    as the sort, PostgreSQL, once it had statistics and found a customer's invoices a large part of the table,
    joined every invoice of the customer to its tax invoice before sorting them (2.7 ms instead of 0.2 ms for 200
    invoices; PostgreSQL CPU per statement 440 -> 185 us).
    The OFFSET is written into the SQL (literal_execute), not sent as a parameter: with `OFFSET $n` PostgreSQL
    judged its generic plan dearer than a custom one and planned the prepared statement again on every request
    (pg_prepared_statements: 0 generic plans in 35 uses), which cost more than running it; with `OFFSET 0` the
    first page, the one nearly every visit shows, runs the generic plan (0.68 -> 0.28 ms of PostgreSQL CPU).
    """
    counted = aliased(Invoice, name="counted")
    total = select(func.count(counted.id)).where(*_conditions(counted, status, kind)).scalar_subquery()
    page = aliased(Invoice, select(Invoice).where(*_conditions(Invoice, status, kind))
                   .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
                   .limit(PER_PAGE).offset(bindparam("offset", type_=Integer, literal_execute=True))
                   .subquery("page"))
    return (
        select(*_row_columns(page), _pending_name(page).label("pending_name"), total.label("list_total"),
               balances_column().label("credit"))
        .outerjoin(TAX, TAX.id == _newest_tax_id(page))
        .order_by(page.issue_date.desc(), page.id.desc())
    )


def _column_rows(statement: Select, params: dict[str, object]) -> list[Row]:
    """Run a statement of columns (no entity to load) on the session's connection: what Session.execute does for
    it, without the ORM's execution layer (a fifth of the list statement's CPU). Pending changes are flushed
    first, as the session's autoflush would."""
    db.session.flush()
    return list(db.session.connection().execute(statement, params).all())


def list_page(status: str, kind: str, page: int) -> tuple[list[InvoiceRow], int | None, list[Balance] | None]:
    """Return one page of the list (InvoiceRow), the list's total and the customer's credit, in one statement.

    The total and the credit come with the rows, so both are None when the page is empty (no invoices, or past
    the end).
    """
    rows = _column_rows(_list_statement(status, kind), {"customer_id": current_user.id,
                                                        "offset": (page - 1) * PER_PAGE})
    today = app_settings().today()
    if not rows:
        return [], None, None
    return ([InvoiceRow(*row[:-2], today) for row in rows], rows[0].list_total,
            balances_from_column(rows[0].credit))


def service_rows(service_id: int, limit: int) -> list[InvoiceRow]:
    """Return the rows of the invoices billing one of the customer's services, newest first, as My Invoices shows
    them (a proforma and its tax invoice in one row), in one statement."""
    billed = select(InvoiceLine.invoice_id).where(InvoiceLine.service_id == service_id)
    rows = _column_rows(
        select(*_row_columns(Invoice), _pending_name().label("pending_name"))
        .outerjoin(TAX, TAX.id == _newest_tax_id(Invoice))
        .where(*_conditions(Invoice, "all", "all"), Invoice.id.in_(billed))
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc()).limit(limit),
        {"customer_id": current_user.id})
    today = app_settings().today()
    return [InvoiceRow(*row, today) for row in rows]


def pending_edits(invoice_ids: list[int]) -> dict[int, BillingProfile]:
    """Return invoice id -> the profile of its billing change waiting for staff approval (one query)."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        select(PendingBillingEdit.invoice_id, BillingProfile)
        .join(BillingProfile, BillingProfile.id == PendingBillingEdit.billing_profile_id)
        .where(PendingBillingEdit.invoice_id.in_(invoice_ids), PendingBillingEdit.status == PendingEditStatus.PENDING,
               PendingBillingEdit.customer_id == current_user.id)
        .order_by(PendingBillingEdit.id)
    ).all()
    return {invoice_id: profile for invoice_id, profile in rows}


def list_context(status: str, kind: str, page: int) -> dict[str, object]:
    """What My Invoices shows for a filter and a page (past the end: the last page)."""
    status = status if status in STATUS_FILTERS else "all"
    kind = kind if kind in KIND_FILTERS else "all"
    page = min(max(page, 1), MAX_PAGE)
    rows, total, credit = list_page(status, kind, page)
    if total is None:  # an empty page: count, and past the end show the last page
        total = 0 if page == 1 else db.session.scalar(
            select(func.count(Invoice.id)).where(*_conditions(Invoice, status, kind)),
            {"customer_id": current_user.id}) or 0
        last = max((total + PER_PAGE - 1) // PER_PAGE, 1)
        if page > last:
            page = last
            rows, _, credit = list_page(status, kind, page)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if credit is None:
        credit = balances(db.session, current_user.id)
    return {"invoices": rows, "page_no": page, "pages": pages, "total": total, "status": status, "kind": kind,
            "credit": credit}

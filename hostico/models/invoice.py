"""Invoices (proforma, tax invoice, credit note), their lines, history and number counters."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import (
    Base,
    Money,
    Percent,
    Quantity,
    Rate,
    StateColumn,
    TimestampMixin,
    UTCDateTime,
    one_of,
    utcnow,
)
from hostico.models.billing_profile import BuyerSnapshot


class InvoiceKind(enum.StrEnum):
    PROFORMA = "proforma"
    TAX = "tax"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(enum.StrEnum):
    """A proforma is unpaid, then paid or cancelled; a tax invoice or credit note is simply issued."""

    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"
    ISSUED = "issued"


class InvoiceOrigin(enum.StrEnum):
    ORDER = "order"
    SYSTEM = "system"
    MANUAL = "manual"


class PendingEditStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


INVOICE_KINDS = tuple(state.value for state in InvoiceKind)
INVOICE_STATUSES = tuple(state.value for state in InvoiceStatus)
INVOICE_ORIGINS = tuple(state.value for state in InvoiceOrigin)
_PROFORMA = InvoiceKind.PROFORMA
_PROFORMA_STATUSES = (InvoiceStatus.UNPAID, InvoiceStatus.PAID, InvoiceStatus.CANCELLED)


class Invoice(TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series", "number"),
        CheckConstraint(one_of("kind", InvoiceKind), name="kind"),
        CheckConstraint(one_of("status", InvoiceStatus), name="status"),
        CheckConstraint(one_of("origin", InvoiceOrigin), name="origin"),
        CheckConstraint("number > 0", name="number_positive"),
        # A proforma is unpaid, paid or cancelled; a tax invoice or credit note is simply issued.
        CheckConstraint(
            f"(kind = '{_PROFORMA}' AND status IN ({', '.join(repr(str(s)) for s in _PROFORMA_STATUSES)}))"
            f" OR (kind <> '{_PROFORMA}' AND status = '{InvoiceStatus.ISSUED}')",
            name="status_matches_kind",
        ),
        CheckConstraint("kind = 'credit_note' OR (subtotal >= 0 AND vat_total >= 0 AND total >= 0)",
                        name="amounts_not_negative"),
        CheckConstraint("total = subtotal + vat_total", name="total_adds_up"),
        # What was received for a proforma so far (advances, docs/payments.md): never negative, only on proformas.
        CheckConstraint("amount_paid >= 0 AND (kind = 'proforma' OR amount_paid = 0)", name="amount_paid"),
        Index("ix_invoices_customer_created", "customer_id", "id"),
        Index("ix_invoices_customer_issued", "customer_id", "issue_date", "id"),  # My Invoices' order
        CheckConstraint("(exchange_rate IS NULL) = (rate_date IS NULL)", name="rate_has_date"),
        CheckConstraint("vat_category IN ('S', 'AE', 'O')", name="vat_category"),
        CheckConstraint("reverse_charge = (vat_category = 'AE')", name="reverse_charge_is_ae"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    kind: Mapped[InvoiceKind] = mapped_column(StateColumn(InvoiceKind, 12), nullable=False)
    series: Mapped[str] = mapped_column(String(10), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)  # "HPF-000012", used in URLs
    status: Mapped[InvoiceStatus] = mapped_column(StateColumn(InvoiceStatus, 10), nullable=False)
    origin: Mapped[InvoiceOrigin] = mapped_column(StateColumn(InvoiceOrigin, 10), nullable=False)
    issue_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="RON", nullable=False)
    buyer: Mapped[BuyerSnapshot] = mapped_column(JSON, nullable=False)
    seller: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    billing_profile_id: Mapped[int | None] = mapped_column(ForeignKey("billing_profiles.id"))
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # The VAT treatment (docs/fiscal.md, art. 278): S Romanian VAT, AE reverse charge, O not taxed in Romania;
    # and its legal mention, in Romanian ("Taxare inversă", "Neimpozabil în România (art. 278 ...)").
    vat_category: Mapped[str] = mapped_column(String(2), default="S", server_default="S", nullable=False)
    vat_mention: Mapped[str | None] = mapped_column(String(200))
    subtotal: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # A proforma: the money received for it so far. Each amount received is invoiced when it arrives (an
    # advance, art. 282 alin. 2 lit. b); an unpaid proforma with money received is "partly paid".
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"), server_default="0", nullable=False)
    # Several tax invoices may come from one proforma: the first, and after its full credit note the
    # corrected one (storno and reissue); the domain allows one live tax invoice per sale.
    proforma_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    # Currency (docs/fiscal.md): the BNR rate (lei per unit of the foreign currency) used to convert the
    # prices or to show the VAT in lei, and the day BNR published it.
    exchange_rate: Mapped[Decimal | None] = mapped_column(Rate())
    rate_date: Mapped[dt.date | None] = mapped_column(Date)
    # On an EUR document that charges Romanian VAT: the VAT and the total in lei (art. 319 alin. 23).
    vat_total_ron: Mapped[Decimal | None] = mapped_column(Money())
    total_ron: Mapped[Decimal | None] = mapped_column(Money())
    # Tax invoice: the day the money arrived ("data încasării").
    collected_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The billing-run key that created a renewal proforma ("renewal:<service>:<due date>"), so a
    # resumed run never issues the same renewal twice.
    renewal_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    lines = relationship(
        "InvoiceLine", back_populates="invoice", order_by="InvoiceLine.position", lazy="selectin",
        cascade="all, delete-orphan",
    )
    events = relationship("InvoiceEvent", back_populates="invoice", order_by="InvoiceEvent.id", lazy="raise_on_sql")
    customer = relationship("Customer", lazy="raise_on_sql")
    proforma = relationship("Invoice", foreign_keys=[proforma_id], remote_side=[id], lazy="raise_on_sql")
    corrects = relationship("Invoice", foreign_keys=[corrects_id], remote_side=[id], lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_editable(self) -> bool:
        """Only an unpaid proforma may change its billing data."""
        return self.kind == InvoiceKind.PROFORMA and self.status == InvoiceStatus.UNPAID and not self.amount_paid

    @property
    def amount_due(self) -> Decimal:
        """What is left to pay on a proforma (its total less the advances received)."""
        return self.total - (self.amount_paid or Decimal("0"))

    @property
    def display_status(self) -> str:
        """The status people read: an unpaid proforma with money received is `partly_paid`."""
        if self.kind == InvoiceKind.PROFORMA and self.status == InvoiceStatus.UNPAID and self.amount_paid:
            return "partly_paid"
        return self.status

    @property
    def buyer_name(self) -> str:
        b = self.buyer or {}
        return (b.get("company_name") if b.get("kind") == "company" else b.get("name")) or ""


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("vat_rate >= 0 AND vat_rate <= 10000", name="vat_rate_range"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_rate: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    net: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # A price set in another currency than the document's: the original unit price, its currency and the
    # BNR rate it was converted at ("19,00 EUR × 5,0917 = 96,74 lei"; older lines: the invoice's rate). A tax
    # invoice keeps its proforma's converted prices (the amount received) while an EUR one states the rate
    # of its collection day, so the two rates may differ.
    price_currency: Mapped[str | None] = mapped_column(String(3))
    price_amount: Mapped[Decimal | None] = mapped_column(Money())
    price_rate: Mapped[Decimal | None] = mapped_column(Rate())
    # On a credit note: the line of the corrected invoice this line reverses.
    corrects_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"))

    invoice = relationship("Invoice", back_populates="lines")
    service = relationship("Service", lazy="raise_on_sql")

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


class InvoiceEvent(Base):
    """The history of an invoice: who did what, when, and the data before and after."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_kind: Mapped[str] = mapped_column(String(10), nullable=False)  # customer | staff | system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)  # free text a person typed (a reason), shown as typed
    # A note the system writes is a code and its parameters (e.g. "from_proforma", {"proforma": "HPF-000002"}),
    # so each reader sees it in their language (hostico.web.i18n.event_note).
    note_code: Mapped[str | None] = mapped_column(String(40))
    note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    invoice = relationship("Invoice", back_populates="events")


class InvoiceCounter(Base):
    """The last number issued in a series; locked row by row so numbers are gapless."""

    __tablename__ = "invoice_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # The issue date of the last number: taken under the same lock, so dates never go backwards.
    last_issue_date: Mapped[dt.date | None] = mapped_column(Date)


class PendingBillingEdit(TimestampMixin, Base):
    """A proforma edit that waits for staff approval of a never-used billing profile (docs/proforma-edit.md)."""

    __tablename__ = "pending_billing_edits"
    __table_args__ = (CheckConstraint(one_of("status", PendingEditStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    billing_profile_id: Mapped[int] = mapped_column(ForeignKey("billing_profiles.id"))
    status: Mapped[PendingEditStatus] = mapped_column(StateColumn(PendingEditStatus, 10),
                                                      default=PendingEditStatus.PENDING, nullable=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class InvoicePdf(Base):
    """The rendered PDF of an invoice that never changes (tax invoice, credit note), kept so a download is instant."""

    __tablename__ = "invoice_pdfs"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    language: Mapped[str] = mapped_column(String(5), default="ro", server_default="ro", nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

"""Imported bank statements (CAMT.053, MT940) and their credit lines, matched to proformas or waiting for staff."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, Money, StateColumn, TimestampMixin, UTCDateTime, one_of


class StatementLineStatus(enum.StrEnum):
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    DISMISSED = "dismissed"
    # staff assigned the credit to a customer's credit balance (docs/payments.md)
    CREDITED = "credited"


STATEMENT_LINE_STATUSES = tuple(state.value for state in StatementLineStatus)


class BankStatementImport(TimestampMixin, Base):
    """One statement file imported by staff or the command, with what the import did."""

    __tablename__ = "bank_statement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10), nullable=False)  # camt053 | mt940
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    staff_id: Mapped[int | None] = mapped_column(Integer)  # None: the command line
    matched: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    unmatched: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    already_imported: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    debits_ignored: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class BankStatementLine(TimestampMixin, Base):
    """A credit from a statement. Its entry key is unique, so a statement imported twice records nothing new."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        CheckConstraint(one_of("status", StatementLineStatus), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"status <> '{StatementLineStatus.MATCHED}' OR payment_id IS NOT NULL",
                        name="matched_has_payment"),
        Index("ix_bank_statement_lines_status_booked", "status", "booking_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_statement_imports.id"), index=True, nullable=False)
    # The bank's own reference for the entry with the account ("ACCOUNT|ref:REF"), or a hash of the
    # entry's content when the bank gives none ("ACCOUNT|hash:...#n").
    entry_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    account: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    booking_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    remittance: Mapped[str | None] = mapped_column(Text)
    structured_reference: Mapped[str | None] = mapped_column(String(140))
    payer_name: Mapped[str | None] = mapped_column(String(140))
    payer_iban: Mapped[str | None] = mapped_column(String(40))
    bank_reference: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[StatementLineStatus] = mapped_column(StateColumn(StatementLineStatus, 10), nullable=False)
    # Why an unmatched line was not matched at import (no_reference, unknown_reference, amount, currency,
    # not_unpaid, ambiguous, reversal); kept for staff.
    reason: Mapped[str | None] = mapped_column(String(20))
    proforma_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

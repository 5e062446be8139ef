"""Records of billing runs: what each run did, for the staff dashboard and resumption."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, Index
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, StateColumn, UTCDateTime, utcnow
from hostico.models.invoice import Invoice


class BillingRunStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class BillingRun(Base):
    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[BillingRunStatus] = mapped_column(StateColumn(BillingRunStatus, 10),
                                                     default=BillingRunStatus.RUNNING, nullable=False)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# The billing run finds the unpaid proformas to remind about or to suspend for through this index,
# so its cost follows the proformas due rather than every invoice ever issued (migration 0002).
Index("ix_invoices_kind_status_due", Invoice.kind, Invoice.status, Invoice.due_date)

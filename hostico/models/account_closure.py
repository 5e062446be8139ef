"""A customer's closure of their account (docs/accounts.md): what was anonymised, kept 30 days for staff to undo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, UTCDateTime


class AccountClosure(Base):
    __tablename__ = "account_closures"
    __table_args__ = (
        CheckConstraint("undone_at IS NULL OR purged_at IS NULL", name="undone_or_purged"),
        CheckConstraint("purged_at IS NULL OR snapshot IS NULL", name="purged_holds_nothing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True,
                                             nullable=False)
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    undo_until: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The personal data the closure blanked (account and billing profiles), to put back on an undo; erased
    # (purged_at) once undo_until has passed.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    cancelled_orders: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undone_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

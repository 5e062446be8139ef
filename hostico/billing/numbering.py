"""Gapless invoice numbers and their issue dates: one counter row per series, updated inside the
issuing transaction."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hostico.models import InvoiceCounter


def next_number(session: Session, series: str, today: dt.date) -> tuple[int, dt.date]:
    """Take the next number of a series and its issue date.

    The UPDATE ... RETURNING holds the counter row's lock until the caller's transaction ends, so
    concurrent issuers queue behind it; a rolled-back transaction gives its number back, which keeps
    the sequence gapless. The issue date is decided in the same statement: `today`, or the series'
    last issue date if that is later (an issuer that read the clock before midnight and got the
    lock after one that read it after midnight), so dates never go backwards within a series.
    """
    return reserve_numbers(session, series, 1, today)


def reserve_numbers(session: Session, series: str, count: int, today: dt.date) -> tuple[int, dt.date]:
    """Take `count` consecutive numbers of a series in one statement; return the first and their issue date.

    The caller must use every number it reserved in the same transaction (the billing run issues a
    whole batch of proformas at once), otherwise the series would have a gap.
    """
    if count < 1:
        raise ValueError("reserve at least one number")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(InvoiceCounter).values(series=series, last_number=0).on_conflict_do_nothing())
    last = InvoiceCounter.last_issue_date
    result = session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series)
        .values(last_number=InvoiceCounter.last_number + count,
                last_issue_date=case((last.is_(None) | (last < today), today), else_=last))
        .returning(InvoiceCounter.last_number, InvoiceCounter.last_issue_date)
    )
    last_number, issue_date = result.one()
    return int(last_number) - count + 1, cast(dt.date, issue_date)  # set by the UPDATE: never None


def format_code(series: str, number: int) -> str:
    """Return the printed invoice number, e.g. HST-000042."""
    return f"{series}-{number:06d}"

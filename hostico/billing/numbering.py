"""Gapless invoice numbers: one counter row per series, incremented inside the issuing transaction."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hostico.models import InvoiceCounter


def next_number(session: Session, series: str) -> int:
    """Take the next number of a series.

    The UPDATE ... RETURNING holds the counter row's lock until the caller's transaction ends, so
    concurrent issuers queue behind it; a rolled-back transaction gives its number back, which keeps
    the sequence gapless.
    """
    return reserve_numbers(session, series, 1)


def reserve_numbers(session: Session, series: str, count: int) -> int:
    """Take `count` consecutive numbers of a series in one statement; return the first of them.

    The caller must use every number it reserved in the same transaction (the billing run issues a
    whole batch of proformas at once), otherwise the series would have a gap.
    """
    if count < 1:
        raise ValueError("reserve at least one number")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(InvoiceCounter).values(series=series, last_number=0).on_conflict_do_nothing())
    result = session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series)
        .values(last_number=InvoiceCounter.last_number + count)
        .returning(InvoiceCounter.last_number)
    )
    return int(result.scalar_one()) - count + 1


def format_code(series: str, number: int) -> str:
    """Return the printed invoice number, e.g. HST-000042."""
    return f"{series}-{number:06d}"

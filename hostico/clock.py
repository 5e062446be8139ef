"""The business day: dates on invoices, due dates and the billing run are days in HOSTICO_TIMEZONE (Bucharest),
not UTC. The one place a "today" is computed; Flask-free, importing nothing of hostico."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def business_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """The business day in `timezone` at `now` (an aware datetime; default: this moment)."""
    zone = ZoneInfo(timezone)
    return (now.astimezone(zone) if now is not None else dt.datetime.now(zone)).date()

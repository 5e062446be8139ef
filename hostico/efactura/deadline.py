"""The reporting deadline: 5 working days after the issue date, Romanian public holidays excluded."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

WORKING_DAYS = 5
NEAR_DAYS = 1  # a document is "near" its deadline on the last working day before it, and on it


@lru_cache(maxsize=64)
def _ro_holidays(year: int) -> frozenset[dt.date]:
    # The `holidays` package follows Romania's Labour Code art. 139: Orthodox Good Friday, Easter and
    # Pentecost (Sunday and Monday), 1 and 24 January, 6-7 January, 1 May, 1 June, 15 August,
    # 30 November, 1 December, Christmas.
    return frozenset(holidays.country_holidays("RO", years=year))


def is_working_day(day: dt.date) -> bool:
    """True on Monday to Friday when the day is not a Romanian public holiday."""
    return day.weekday() < 5 and day not in _ro_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the date `days` working days after `start` (start itself does not count)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def deadline_for(issue_date: dt.date) -> dt.date:
    """The last day to report a document issued on `issue_date`."""
    return add_working_days(issue_date, WORKING_DAYS)


def deadline_flag(deadline: dt.date, today: dt.date) -> str | None:
    """`overdue` past the deadline, `near` on the deadline or the working day before it, else None."""
    if today > deadline:
        return "overdue"
    if today == deadline or add_working_days(today, NEAR_DAYS) >= deadline:
        return "near"
    return None

"""When an SMS may go out: the HOSTICO_SMS_HOURS window in the configured time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def parse_window(hours: str) -> tuple[dt.time, dt.time | None]:
    """Parse 'HH:MM-HH:MM' (24:00 allowed as the end) into (start, end); end None means midnight."""
    start_s, end_s = (part.strip() for part in hours.split("-", 1))
    start = dt.time.fromisoformat(start_s)
    end = None if end_s in ("24:00", "24:00:00") else dt.time.fromisoformat(end_s)
    return start, end


def next_sms_time(now: dt.datetime, hours: str, tz: str) -> dt.datetime:
    """Return now if inside the window, else the next window opening (as an aware UTC datetime)."""
    start, end = parse_window(hours)
    local = now.astimezone(ZoneInfo(tz))
    t = local.time().replace(tzinfo=None)
    in_window = t >= start and (end is None or t < end)
    if in_window:
        return now.astimezone(dt.UTC)
    day = local.date() if t < start else local.date() + dt.timedelta(days=1)
    opening = dt.datetime.combine(day, start, tzinfo=ZoneInfo(tz))
    return opening.astimezone(dt.UTC)

"""The business day (hostico.clock.business_today) is computed in one place, in HOSTICO_TIMEZONE."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

from hostico.billing.settings import BillingSettings
from hostico.clock import business_today

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "hostico"
# A "today" computed by hand: now() in a zone, or an instant moved to a zone, then .date().
BY_HAND = re.compile(r"now\(ZoneInfo\(|astimezone\(ZoneInfo\([^)]*\)\)\.date\(\)")


def test_late_evening_utc_is_already_tomorrow_in_bucharest():
    late = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)
    assert business_today("Europe/Bucharest", late) == dt.date(2026, 3, 2)
    assert business_today("UTC", late) == dt.date(2026, 3, 1)


def test_the_settings_today_is_the_business_day():
    assert BillingSettings(timezone="Pacific/Kiritimati").today() == business_today("Pacific/Kiritimati")


def test_today_is_computed_only_in_the_helper():
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in sorted(PACKAGE.rglob("*.py")) if p.name != "clock.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if BY_HAND.search(line)]
    assert found == []
    assert BY_HAND.search("dt.datetime.now(ZoneInfo(tz)).date()")

"""The reporting deadline: 5 working days after the issue date, Romanian public holidays excluded."""

from __future__ import annotations

import datetime as dt

import pytest

from hostico.efactura.deadline import deadline_flag, deadline_for, is_working_day

D = dt.date.fromisoformat


@pytest.mark.parametrize(("issued", "deadline", "why"), [
    ("2026-11-23", "2026-12-02", "30 November (St Andrew) and 1 December (National Day)"),
    ("2026-11-27", "2026-12-08", "a weekend, then 30 November and 1 December"),
    ("2026-04-08", "2026-04-17", "Orthodox Good Friday 10 April and Easter Monday 13 April 2026"),
    ("2027-04-28", "2027-05-07", "Orthodox Good Friday 30 April, 1 May on a Saturday, Easter Monday 3 May 2027"),
    ("2026-05-28", "2026-06-05", "Pentecost Monday and Children's Day, both 1 June 2026"),
    ("2027-06-17", "2027-06-25", "Pentecost Monday 21 June 2027"),
    ("2026-12-22", "2026-12-30", "Christmas 25 and 26 December"),
    ("2026-12-31", "2027-01-12", "1-2 January, then 6-7 January (Epiphany, St John)"),
    ("2027-01-20", "2027-01-27", "24 January falls on a Sunday in 2027: nothing lost"),
    ("2026-08-12", "2026-08-19", "15 August on a Saturday: nothing lost"),
    ("2026-07-06", "2026-07-13", "an ordinary week"),
])
def test_deadline_is_five_working_days_after_issue(issued, deadline, why):
    assert deadline_for(D(issued)) == D(deadline), why


def test_orthodox_easter_differs_from_western_easter():
    # 2027: Western Easter Monday is 29 March, Orthodox 3 May: only the Orthodox one is a holiday.
    assert is_working_day(D("2027-03-29"))
    assert not is_working_day(D("2027-05-03"))


def test_flags_near_and_overdue():
    deadline = D("2026-12-08")
    assert deadline_flag(deadline, D("2026-12-03")) is None
    assert deadline_flag(deadline, D("2026-12-07")) == "near"
    assert deadline_flag(deadline, D("2026-12-08")) == "near"
    assert deadline_flag(deadline, D("2026-12-09")) == "overdue"

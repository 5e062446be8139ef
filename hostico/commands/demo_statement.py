"""The demo's bank statement: the sample in deploy/samples/, booked on the day the demo data was seeded.

A statement booked before a proforma was issued cannot pay it, so a fixed-date sample would stop matching
once the demo is seeded later than its date: `demo seed` writes a copy dated the seed day into instance/.
"""

from __future__ import annotations

import datetime as dt
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "deploy", "samples", "demo-statement.camt053.xml")
FILENAME = "demo-statement.camt053.xml"
SAMPLE_DATES = ("2026-11-30", "2026-12-01")  # the sample's booking and creation dates


def write_demo_statement(instance_path: str, booked: dt.date) -> str:
    """Write the sample statement, booked on `booked`, into the instance folder; return its path."""
    with open(SAMPLE, encoding="utf-8") as fh:
        text = fh.read()
    for day in SAMPLE_DATES:
        text = text.replace(day, booked.isoformat())
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, FILENAME)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path

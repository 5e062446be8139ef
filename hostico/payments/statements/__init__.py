"""Bank statements: read CAMT.053 and MT940 files, match their credits to unpaid proformas (Flask-free)."""

from __future__ import annotations

from hostico.payments.statements.camt import looks_like_camt, parse_camt053
from hostico.payments.statements.entries import StatementEntry, StatementError, assign_entry_keys
from hostico.payments.statements.mt940 import parse_mt940

__all__ = ["StatementEntry", "StatementError", "assign_entry_keys", "parse_statement"]


def parse_statement(data: bytes) -> tuple[str, list[StatementEntry]]:
    """Detect the format (camt053 or mt940) and return it with the file's entries."""
    if not data or not data.strip():
        raise StatementError("empty")
    if looks_like_camt(data):
        return "camt053", parse_camt053(data)
    return "mt940", parse_mt940(data)

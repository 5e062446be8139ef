"""What a statement parser hands to the matcher: one credit or debit line, and the typed parse error."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class StatementError(Exception):
    """A statement file could not be read; `code` and `params` let the web layer say why in the user's language.

    Codes: `unknown_format` (neither CAMT.053 nor MT940), `not_camt053` (another ISO 20022 message),
    `invalid_xml`, `invalid_mt940`, `bad_entry` (an entry without a valid amount, currency or date;
    params: position), `empty` (no entries at all).
    """

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class StatementEntry:
    """One booked line of a statement, whatever the file format."""

    account: str | None
    credit: bool
    amount: Decimal
    currency: str
    booking_date: dt.date
    remittance: str | None = None
    structured_reference: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    bank_reference: str | None = None
    reversal: bool = False
    # Extra text to search for a proforma number when the remittance has none (a bank's free-text details).
    extra_text: str | None = None
    key_parts: tuple[Any, ...] = field(default=(), compare=False)

    def content_hash(self) -> str:
        """Hash what identifies the entry when the bank gives it no reference of its own."""
        parts = [self.account or "", "C" if self.credit else "D", str(self.amount), self.currency,
                 self.booking_date.isoformat(), self.remittance or "", self.structured_reference or "",
                 self.payer_iban or "", self.payer_name or "", *[str(p) for p in self.key_parts]]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def assign_entry_keys(entries: list[StatementEntry]) -> list[tuple[str, StatementEntry]]:
    """Give every entry its stable key: account + the bank's reference, else account + content hash.

    Identical entries without a reference in one file (two equal transfers the same day) get an
    occurrence number, so the same statement, or an overlapping one, yields the same keys again; an
    entry whose bank reference repeats is the same entry listed twice.
    """
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        account = (entry.account or "-")[:40]
        if entry.bank_reference:
            # The bank's reference is unique per account: the same reference twice is the same entry.
            key = f"{account}|ref:{entry.bank_reference}|{'C' if entry.credit else 'D'}"
        else:
            base = f"{account}|hash:{entry.content_hash()}"
            seen[base] = seen.get(base, 0) + 1
            key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        out.append((key[:200], entry))
    return out


_ENGLISH = {
    "empty": "The file is empty.",
    "unknown_format": "This file is neither a CAMT.053 statement (ISO 20022 XML) nor an MT940 statement.",
    "not_camt053": "This XML file is not a CAMT.053 bank-to-customer statement.",
    "invalid_xml": "The file is not well-formed XML: {detail}",
    "invalid_mt940": "The MT940 file could not be read: {detail}",
    "bad_entry": "Entry {position} of the statement has no valid amount, currency, direction or booking date.",
}


def english_message(err: StatementError) -> str:
    """Say in English why a statement was refused (the command line; the web layer translates the code)."""
    return _ENGLISH.get(err.code, "The statement file could not be read.").format_map(
        {"detail": "", "position": "?", **err.params})

"""Read a SWIFT MT940 customer statement with the `mt-940` library.

The `:61:` line gives the amount, its direction and the bank's reference; the `:86:` line the
remittance text, either as free text or in the structured `?20..?29` purpose, `?31` account and
`?32/?33` name sub-fields that many banks use.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import mt940

from hostico.payments.statements.entries import StatementEntry, StatementError

_TAG = re.compile(r"^:(20|25|61):", re.MULTILINE)
# :61: status: C credit, D debit, RC reversal of a credit (money out), RD reversal of a debit (money in).
_CREDIT_STATUSES = {"C": (True, False), "D": (False, False), "RD": (True, True), "RC": (False, True)}


def looks_like_mt940(text: str) -> bool:
    """True when the text has the tags every MT940 statement carries (:20:, :25:, :61:)."""
    return {m.group(1) for m in _TAG.finditer(text)} >= {"20", "25"}


def decode(data: bytes) -> str:
    """Decode an MT940 file: UTF-8 when it is, else Latin-1 (the SWIFT character set is a subset of both)."""
    text = data.decode("utf-8-sig", errors="strict") if _is_utf8(data) else data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _clean(value: object) -> str | None:
    if not value:
        return None
    text = " ".join(str(value).split())
    return text or None


def parse_mt940(data: bytes) -> list[StatementEntry]:
    """Return every line of every statement in an MT940 file (credits and debits)."""
    text = decode(data)
    if not looks_like_mt940(text):
        raise StatementError("unknown_format")
    logging.getLogger("mt940").setLevel(logging.ERROR)  # it logs every tag it does not know
    try:
        statements = mt940.parse_statements(text, options=mt940.Options(applicant_iban=True))
    except Exception as err:  # the library raises many kinds (ValueError, KeyError, RuntimeError) on bad input
        raise StatementError("invalid_mt940", detail=str(err)[:200]) from None
    entries: list[StatementEntry] = []
    position = 0
    for statement in statements:
        account = _clean(statement.data.get("account_identification"))
        account = account.replace(" ", "").upper() if account else None
        for tx in statement:
            position += 1
            d = tx.data
            amount = getattr(d.get("amount"), "amount", None)
            currency = (getattr(d.get("amount"), "currency", None) or d.get("currency") or "").upper()
            booked = d.get("entry_date") or d.get("date")
            direction = _CREDIT_STATUSES.get(d.get("status") or "")
            if amount is None or direction is None or booked is None or len(currency) != 3:
                raise StatementError("bad_entry", position=position)
            amount = abs(Decimal(amount))
            if amount == 0 or amount != amount.quantize(Decimal("0.01")):
                raise StatementError("bad_entry", position=position)
            structured = "purpose" in d  # the library split ?20.. sub-fields
            remittance = _clean(d.get("purpose")) if structured else _clean(d.get("transaction_details"))
            ref = _clean(d.get("bank_reference"))
            customer_ref = _clean(d.get("customer_reference"))
            iban = _clean(d.get("applicant_iban"))
            entries.append(StatementEntry(
                account=account, credit=direction[0], reversal=direction[1], amount=amount.quantize(Decimal("0.01")),
                currency=currency, booking_date=booked, remittance=remittance,
                structured_reference=customer_ref if customer_ref and customer_ref.upper() != "NONREF" else None,
                payer_name=_clean(d.get("applicant_name")) if structured else None,
                payer_iban=iban.replace(" ", "").upper() if iban else None,
                bank_reference=ref if ref and ref.upper() != "NONREF" else None,
                extra_text=_clean(d.get("extra_details")) or _clean(d.get("additional_purpose")),
                key_parts=(day.isoformat() if (day := d.get("date")) else "", d.get("id") or "")))
    return entries

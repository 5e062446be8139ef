"""Read an ISO 20022 camt.053 bank-to-customer statement (any version: 001.02 to 001.13) with lxml.

Element paths are matched on local names only ({*}), so the version in the namespace does not matter;
the elements that moved between versions (a party's name under Pty from 001.08, the transaction amount
under AmtDtls in 001.02 and directly under TxDtls later, Sts as text or as Sts/Cd) are read both ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from lxml.etree import _Element

from hostico.payments.statements.entries import StatementEntry, StatementError

_PARSER_OPTIONS: dict[str, Any] = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                       remove_comments=True, remove_pis=True)


def looks_like_camt(data: bytes) -> bool:
    """True when the file is XML (it starts with '<' after a BOM and whitespace)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _q(path: str) -> str:
    return "/".join("{*}" + part if part not in (".", "..") else part for part in path.split("/"))


def _text(el: _Element, path: str) -> str | None:
    value = el.findtext(_q(path))
    value = " ".join(value.split()) if value else None
    return value or None


def _first(el: _Element, *paths: str) -> str | None:
    for path in paths:
        value = _text(el, path)
        if value:
            return value
    return None


def _date(el: _Element, path: str) -> dt.date | None:
    """Read a DateAndDateChoice: <Dt>2026-12-01</Dt> or <DtTm>2026-12-01T10:00:00+02:00</DtTm>."""
    raw = _first(el, path + "/Dt", path + "/DtTm")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _amount(el: _Element | None) -> tuple[Decimal, str] | None:
    if el is None or not el.text:
        return None
    try:
        amount = Decimal(el.text.strip())
    except InvalidOperation:
        return None
    currency = (el.get("Ccy") or "").strip().upper()
    if not amount.is_finite() or amount <= 0 or len(currency) != 3 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01")), currency


def _status_booked(entry: _Element) -> bool:
    status = _first(entry, "Sts/Cd", "Sts/Prtry", "Sts")
    return status is None or status.upper() == "BOOK"


def _party_name(tx: _Element, role: str) -> str | None:
    return _first(tx, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm",
                  f"RltdPties/Ultmt{role}/Nm", f"RltdPties/Ultmt{role}/Pty/Nm")


def _account(tx: _Element, role: str) -> str | None:
    iban = _first(tx, f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id")
    return iban.replace(" ", "").upper() if iban else None


def _remittance(tx: _Element) -> tuple[str | None, str | None]:
    unstructured = [" ".join(u.text.split()) for u in tx.iterfind(_q("RmtInf/Ustrd")) if u.text and u.text.strip()]
    structured = [" ".join(r.text.split()) for r in tx.iterfind(_q("RmtInf/Strd/CdtrRefInf/Ref"))
                  if r.text and r.text.strip()]
    structured += [" ".join(r.text.split()) for r in tx.iterfind(_q("RmtInf/Strd/AddtlRmtInf"))
                   if r.text and r.text.strip()]
    return (" ".join(unstructured) or None), (" ".join(structured) or None)


def _entry_lines(entry: _Element, account: str | None, position: int) -> list[StatementEntry]:
    amount = _amount(entry.find(_q("Amt")))
    indicator = _text(entry, "CdtDbtInd")
    booked = _date(entry, "BookgDt") or _date(entry, "ValDt")
    if amount is None or indicator not in ("CRDT", "DBIT") or booked is None:
        raise StatementError("bad_entry", position=position)
    credit = indicator == "CRDT"
    reversal = (_text(entry, "RvslInd") or "").lower() in ("true", "1")
    entry_ref = _first(entry, "AcctSvcrRef", "NtryRef")
    entry_info = _text(entry, "AddtlNtryInf")
    txs = entry.findall(_q("NtryDtls/TxDtls"))
    role = "Dbtr" if credit else "Cdtr"
    if len(txs) <= 1:
        tx = txs[0] if txs else entry
        unstructured, structured = _remittance(tx)
        tx_ref = _first(tx, "Refs/AcctSvcrRef", "Refs/TxId", "Refs/EndToEndId") if txs else None
        ref = entry_ref or tx_ref
        if ref and ref.upper() == "NOTPROVIDED":
            ref = None
        return [StatementEntry(
            account=account, credit=credit, amount=amount[0], currency=amount[1], booking_date=booked,
            remittance=unstructured, structured_reference=structured,
            payer_name=_party_name(tx, role) if txs else None, payer_iban=_account(tx, role) if txs else None,
            bank_reference=ref, reversal=reversal,
            extra_text=" ".join(filter(None, [_text(tx, "AddtlTxInf") if txs else None, entry_info])) or None,
            key_parts=(_first(tx, "Refs/EndToEndId") or "",) if txs else ())]
    # A batch booking: each transaction is its own credit, with its own amount and payer.
    lines = []
    for index, tx in enumerate(txs, start=1):
        tx_amount = _amount(tx.find(_q("AmtDtls/TxAmt/Amt"))) or _amount(tx.find(_q("Amt")))
        if tx_amount is None:
            raise StatementError("bad_entry", position=position)
        tx_indicator = _text(tx, "CdtDbtInd")
        tx_credit = credit if tx_indicator not in ("CRDT", "DBIT") else tx_indicator == "CRDT"
        unstructured, structured = _remittance(tx)
        tx_ref = _first(tx, "Refs/AcctSvcrRef", "Refs/TxId")
        ref = tx_ref or (f"{entry_ref}/{index}" if entry_ref else None)
        lines.append(StatementEntry(
            account=account, credit=tx_credit, amount=tx_amount[0], currency=tx_amount[1], booking_date=booked,
            remittance=unstructured, structured_reference=structured,
            payer_name=_party_name(tx, "Dbtr" if tx_credit else "Cdtr"),
            payer_iban=_account(tx, "Dbtr" if tx_credit else "Cdtr"), bank_reference=ref, reversal=reversal,
            extra_text=_text(tx, "AddtlTxInf"), key_parts=(_first(tx, "Refs/EndToEndId") or "", index)))
    return lines


def parse_camt053(data: bytes) -> list[StatementEntry]:
    """Return the booked entries of every statement in a camt.053 file (credits and debits)."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as err:
        raise StatementError("invalid_xml", detail=str(err)[:200]) from None
    namespace = etree.QName(root).namespace or ""
    message = root.find("{*}BkToCstmrStmt")
    if etree.QName(root).localname != "Document" or message is None:
        raise StatementError("not_camt053", namespace=namespace[:100])
    if namespace and "camt.053" not in namespace:
        raise StatementError("not_camt053", namespace=namespace[:100])
    entries: list[StatementEntry] = []
    position = 0
    for statement in message.iterfind("{*}Stmt"):
        account = _first(statement, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
        account = account.replace(" ", "").upper() if account else None
        for entry in statement.iterfind("{*}Ntry"):
            position += 1
            if not _status_booked(entry):
                continue  # pending or information-only entries are not money received
            entries.extend(_entry_lines(entry, account, position))
    return entries

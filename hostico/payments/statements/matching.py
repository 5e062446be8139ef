"""Import a statement: record each new credit once, pay the proforma it names when the amount agrees, and
let staff match or dismiss what is left. Plain functions on a session: they flush, the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.credit import add_credit
from hostico.billing.errors import BillingError
from hostico.billing.payments import record_payment
from hostico.billing.settings import BillingSettings
from hostico.db import for_update
from hostico.models import BankStatementImport, BankStatementLine, CreditEntry, Customer, Invoice, utcnow
from hostico.models.bank_statement import StatementLineStatus
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.payments.statements import StatementEntry, assign_entry_keys, parse_statement

# Why a credit waits for staff (shown translated on the unmatched page).
REASONS = ("no_reference", "unknown_reference", "amount", "currency", "not_unpaid", "ambiguous", "reversal",
           "before_proforma", "refused")
_KEY_CHUNK = 500


class StatementLineRefused(BillingError):
    """Staff cannot match or dismiss a line this way; `code` and `params` say why.

    Codes: `not_open` (the line was matched, dismissed or credited already), `unknown_customer` (customer),
    `unknown_proforma` (code),
    `not_unpaid` (code, status), `amount` (amount, total, currency), `currency` (currency, proforma_currency),
    `before_proforma` (code, booked, issued: the money arrived before the proforma was issued),
    `refused` (detail: the billing core's own refusal), `note_required`.
    """

    def __init__(self, code: str, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass
class ImportResult:
    import_id: int
    format: str
    matched: int = 0
    unmatched: int = 0
    already_imported: int = 0
    debits_ignored: int = 0
    lines: list[BankStatementLine] = field(default_factory=list)

    def summary(self) -> str:
        """The command's one-line answer."""
        return f"matched {self.matched}, unmatched {self.unmatched}, already imported {self.already_imported}"


def proforma_numbers(text: str | None, series: str) -> list[int]:
    """Find the proforma numbers a remittance text names: "HPF-000012", "hpf 000012", "HPF000012" → [12]."""
    if not text:
        return []
    pattern = re.compile(rf"(?<![0-9]){re.escape(series.upper())}[\s\-_/.:#]*0*(\d{{1,9}})(?!\d)")
    numbers: list[int] = []
    for match in pattern.finditer(text.upper()):
        number = int(match.group(1))
        if number > 0 and number not in numbers:
            numbers.append(number)
    return numbers


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        found.update(session.scalars(select(BankStatementLine.entry_key)
                                     .where(BankStatementLine.entry_key.in_(chunk))))
    return found


def _payment_reference(line: BankStatementLine) -> str:
    parts = [line.bank_reference, line.payer_name, line.payer_iban]
    return "; ".join(p for p in parts if p)[:120] or f"statement line {line.id}"


def _pay(session: Session, line: BankStatementLine, proforma: Invoice, *, settings: BillingSettings,
         today: dt.date, staff_id: int | None) -> None:
    """Record the line as the bank transfer that pays the proforma, and link the two.

    The booking date is the day the money arrived: the tax invoice prints it as the collection date.
    """
    payment = record_payment(
        session, proforma.id, amount=line.amount, currency=line.currency, method="bank_transfer",
        settings=settings, today=today, received_on=min(line.booking_date, today),
        reference=_payment_reference(line), idempotency_key=f"bank-line:{line.id}", staff_id=staff_id,
        excess_to_credit=True)
    line.status = StatementLineStatus.MATCHED
    line.reason = None
    line.proforma_id = proforma.id
    line.payment_id = payment.id
    record(session, "payments.statement_line_matched", actor_kind="staff" if staff_id else "system",
           actor_id=staff_id, obj=line, customer_id=proforma.customer_id,
           data={"proforma": proforma.code, "amount": str(line.amount), "currency": line.currency,
                 "booking_date": line.booking_date.isoformat(), "payer": line.payer_name,
                 "iban": line.payer_iban, "bank_reference": line.bank_reference, "by": "staff" if staff_id else
                 "import"})


def _auto_match(session: Session, line: BankStatementLine, entry: StatementEntry, *, settings: BillingSettings,
                today: dt.date) -> None:
    """Pay the one unpaid proforma the credit names, in its currency and for at most what is left to pay on it
    (a smaller amount is an advance), else say why not."""
    text = " ".join(filter(None, [entry.remittance, entry.structured_reference, entry.extra_text]))
    numbers = proforma_numbers(text, settings.proforma_series)
    line.status = StatementLineStatus.UNMATCHED
    if entry.reversal:
        line.reason = "reversal"
        return
    if not numbers:
        line.reason = "no_reference"
        return
    proformas = session.scalars(select(Invoice).where(
        Invoice.kind == InvoiceKind.PROFORMA, Invoice.series == settings.proforma_series,
        Invoice.number.in_(numbers[:20]))
        .order_by(Invoice.number)).all()
    if len(proformas) == 1:
        line.proforma_id = proformas[0].id  # a suggestion for staff, even when it cannot be paid
    unpaid = [p for p in proformas if p.status == InvoiceStatus.UNPAID]
    # Any amount up to what is left to pay pays it: a part is an advance (docs/payments.md, Advances); more pays
    # the one unpaid proforma it names and the excess becomes the customer's credit balance (docs/payments.md).
    same_currency = [p for p in unpaid if p.currency == line.currency]
    exact = [p for p in same_currency if 0 < line.amount <= p.amount_due]
    if not exact and len(same_currency) == 1:
        exact = same_currency
    if not proformas:
        line.reason = "unknown_reference"
    elif not unpaid:
        line.reason = "not_unpaid"
    elif len(exact) > 1:
        line.reason = "ambiguous"
    elif not exact:
        line.reason = "currency" if all(p.currency != line.currency for p in unpaid) else "amount"
    elif line.booking_date < exact[0].issue_date:
        line.reason = "before_proforma"
    else:
        try:
            with session.begin_nested():
                _pay(session, line, exact[0], settings=settings, today=today, staff_id=None)
        except BillingError as err:
            # Paid by someone else a moment ago, or another rule of the billing core (no BNR rate, a proforma
            # without the buyer's address): staff decide.
            line.status = StatementLineStatus.UNMATCHED
            line.reason = "not_unpaid" if exact[0].status != InvoiceStatus.UNPAID or err.code is None else "refused"
            line.note = str(err)[:1000]


def import_statement(session: Session, data: bytes, *, settings: BillingSettings, today: dt.date,
                     filename: str | None = None, staff_id: int | None = None) -> ImportResult:
    """Import a CAMT.053 or MT940 file: new credits are matched or kept unmatched, debits ignored.

    A credit already imported (same entry key, from this file or an overlapping one) is counted and
    skipped. A file that cannot be read raises StatementError before anything is written.
    """
    fmt, entries = parse_statement(data)
    keyed = assign_entry_keys(entries)
    credits = [(key, entry) for key, entry in keyed if entry.credit]
    batch = BankStatementImport(filename=(filename or None) and filename[:200], format=fmt,
                                sha256=hashlib.sha256(data).hexdigest(), staff_id=staff_id)
    session.add(batch)
    session.flush()
    result = ImportResult(import_id=batch.id, format=fmt, debits_ignored=len(keyed) - len(credits))
    known = _existing_keys(session, [key for key, _ in credits])
    for key, entry in credits:
        if key in known:
            result.already_imported += 1
            continue
        line = BankStatementLine(
            import_id=batch.id, entry_key=key, account=entry.account and entry.account[:40], amount=entry.amount,
            currency=entry.currency, booking_date=entry.booking_date, remittance=entry.remittance,
            structured_reference=entry.structured_reference and entry.structured_reference[:140],
            payer_name=entry.payer_name and entry.payer_name[:140],
            payer_iban=entry.payer_iban and entry.payer_iban[:40],
            bank_reference=entry.bank_reference and entry.bank_reference[:120], status=StatementLineStatus.UNMATCHED)
        try:
            with session.begin_nested():
                session.add(line)
                session.flush()
        except IntegrityError:
            result.already_imported += 1  # a concurrent import of the same statement recorded it first
            continue
        known.add(key)
        _auto_match(session, line, entry, settings=settings, today=today)
        result.lines.append(line)
        if line.status == StatementLineStatus.MATCHED:
            result.matched += 1
        else:
            result.unmatched += 1
    batch.matched, batch.unmatched = result.matched, result.unmatched
    batch.already_imported, batch.debits_ignored = result.already_imported, result.debits_ignored
    record(session, "payments.statement_imported", actor_kind="staff" if staff_id else "system", actor_id=staff_id,
           obj=batch, data={"filename": batch.filename, "format": fmt, "sha256": batch.sha256,
                            "matched": result.matched, "unmatched": result.unmatched,
                            "already_imported": result.already_imported, "debits_ignored": result.debits_ignored})
    session.flush()
    return result


def _lock_line(session: Session, line_id: int) -> BankStatementLine | None:
    """Load a statement line holding its lock, so two staff cannot decide it at once."""
    stmt = select(BankStatementLine).where(BankStatementLine.id == line_id).execution_options(populate_existing=True)
    return session.scalar(for_update(session, stmt, write_lock=(BankStatementLine.status, [line_id])))


def _open_line(session: Session, line_id: int) -> BankStatementLine:
    line = _lock_line(session, line_id)
    if line is None or line.status != StatementLineStatus.UNMATCHED:
        raise StatementLineRefused("not_open", "This line was already matched or dismissed.")
    return line


def find_proforma(session: Session, code: str, settings: BillingSettings) -> Invoice | None:
    """Find a proforma by the number staff typed: its code ("HPF-000012") or a tolerant form ("hpf 12")."""
    code = (code or "").strip()[:40]
    invoice = session.scalar(select(Invoice).where(Invoice.code == code.upper()))
    if invoice is None:
        numbers = proforma_numbers(code, settings.proforma_series)
        if len(numbers) != 1:
            return None
        invoice = session.scalar(select(Invoice).where(Invoice.series == settings.proforma_series,
                                                       Invoice.number == numbers[0]))
    return invoice if invoice is not None and invoice.kind == InvoiceKind.PROFORMA else None


def match_line(session: Session, line_id: int, proforma_code: str, *, settings: BillingSettings, today: dt.date,
               staff_id: int, note: str | None = None) -> BankStatementLine:
    """Record an unmatched credit as the bank transfer that pays a proforma (all or part of what is left to pay;
    more pays it and the excess becomes the customer's credit balance); currencies must agree."""
    line = _open_line(session, line_id)
    proforma = find_proforma(session, proforma_code, settings)
    if proforma is None:
        raise StatementLineRefused("unknown_proforma", f"There is no proforma {proforma_code}.",
                                   code=proforma_code.strip()[:40])
    if proforma.status != InvoiceStatus.UNPAID:
        raise StatementLineRefused("not_unpaid", f"Proforma {proforma.code} is {proforma.status}.",
                                   code=proforma.code, status=proforma.status)
    if proforma.currency != line.currency:
        raise StatementLineRefused("currency", f"The credit is in {line.currency}, the proforma in "
                                   f"{proforma.currency}.", currency=line.currency,
                                   proforma_currency=proforma.currency)
    if line.booking_date < proforma.issue_date:
        raise StatementLineRefused("before_proforma", f"The money arrived on {line.booking_date}, before "
                                   f"{proforma.code} was issued ({proforma.issue_date}).", code=proforma.code,
                                   booked=line.booking_date, issued=proforma.issue_date)
    try:
        _pay(session, line, proforma, settings=settings, today=today, staff_id=staff_id)
    except BillingError as err:
        raise StatementLineRefused("refused", f"The payment was refused: {err}", detail=str(err)) from None
    line.decided_by_staff_id = staff_id
    line.decided_at = utcnow()
    line.note = (note or "").strip()[:1000] or None
    session.flush()
    return line


def dismiss_line(session: Session, line_id: int, *, note: str, staff_id: int) -> BankStatementLine:
    """Set an unmatched credit aside (a refund to make, not a customer payment...), with the reason why."""
    note = (note or "").strip()
    if not note:
        raise StatementLineRefused("note_required", "Say why the line is dismissed.")
    line = _open_line(session, line_id)
    line.status = StatementLineStatus.DISMISSED
    line.decided_by_staff_id = staff_id
    line.decided_at = utcnow()
    line.note = note[:1000]
    record(session, "payments.statement_line_dismissed", actor_kind="staff", actor_id=staff_id, obj=line,
           data={"amount": str(line.amount), "currency": line.currency, "payer": line.payer_name,
                 "bank_reference": line.bank_reference, "note": line.note})
    session.flush()
    return line


def find_customer(session: Session, ref: str) -> Customer | None:
    """Find a customer by the email or the number (#12 or 12) staff typed."""
    ref = (ref or "").strip()[:254]
    digits = ref.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:
        return session.get(Customer, int(digits))
    return session.scalar(select(Customer).where(func.lower(Customer.email) == ref.lower())) if ref else None


def credit_line(session: Session, line_id: int, customer_ref: str, *, staff_id: int,
                note: str | None = None) -> CreditEntry:
    """Assign an unmatched credit to a customer as credit balance (docs/payments.md, "Customer credit balance"):
    the line is `credited` and the customer's balance in its currency grows by its amount, once."""
    line = _open_line(session, line_id)
    customer = find_customer(session, customer_ref)
    if customer is None:
        raise StatementLineRefused("unknown_customer", f"There is no customer {customer_ref}.",
                                   customer=(customer_ref or "").strip()[:60])
    note = (note or "").strip()[:1000] or None
    entry = add_credit(session, customer_id=customer.id, currency=line.currency, amount=line.amount,
                       reason=CreditReason.BANK_CREDIT, idempotency_key=f"bank-line-credit:{line.id}",
                       actor_kind="staff", actor_id=staff_id, bank_line_id=line.id,
                       note=note or _payment_reference(line))
    line.status = StatementLineStatus.CREDITED
    line.decided_by_staff_id = staff_id
    line.decided_at = utcnow()
    line.note = note
    record(session, "payments.statement_line_credited", actor_kind="staff", actor_id=staff_id, obj=line,
           customer_id=customer.id, data={"amount": str(line.amount), "currency": line.currency,
                                          "payer": line.payer_name, "bank_reference": line.bank_reference,
                                          "customer": customer.id, "note": note})
    session.flush()
    return entry

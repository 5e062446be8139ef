"""Second factors for customers and staff, in one place: TOTP codes (pyotp) and customers' recovery codes.

Every check raises a typed error (InvalidCode) rather than answering False, so a caller cannot forget a
branch. A code's time-step is stored as the last one used with a conditional UPDATE: the same code (or an
older one) never works twice, even for two requests racing with it. Wrong codes are counted on the
account: after MAX_FAILURES in a row every code, right ones too, is refused (TooManyAttempts) until
THROTTLE has passed since the last wrong one. The caller commits a refusal too, so the count is kept.
Flask-free: plain functions on a session.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Callable
from typing import TypeVar

import pyotp
import qrcode
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hostico.accounts.passwords import hash_password, verify_password
from hostico.audit import record as audit
from hostico.db import rowcount
from hostico.errors import N_, TranslatableError
from hostico.models import Customer, RecoveryCode, StaffUser, utcnow

ISSUER = "Hostico"
STEP = 30
DRIFT_STEPS = 1  # accept the previous and next 30-second step, no more
RECOVERY_CODES = 10
MAX_FAILURES = 10  # wrong codes in a row before the account's second factor is throttled
THROTTLE = dt.timedelta(minutes=15)

Account = Customer | StaffUser

_T = TypeVar("_T")


class SecondFactorError(TranslatableError):
    """A second factor was not accepted."""


class InvalidCode(SecondFactorError):
    """The code is wrong, malformed, or was already used. `reason` is for logs, never for the visitor."""

    code = "second_factor.invalid"
    template = N_("Wrong code, or a code that was already used.")

    def __init__(self, reason: str = "wrong") -> None:
        super().__init__()
        self.reason = reason


class TooManyAttempts(SecondFactorError):
    """Too many wrong codes in a row: no code is checked until the throttle has passed."""

    code = "second_factor.throttled"
    template = N_("Too many wrong codes. Try again in %(minutes)d minutes.")


class NotEnrolled(SecondFactorError):
    """The account has no second factor to check a code against."""

    code = "second_factor.not_enrolled"
    template = N_("Two-factor authentication is not set up.")


def new_secret() -> str:
    """Return a new random base32 secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    """Return the otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """Return the QR code of uri as an SVG data: URI (the CSP allows data: images, not inline markup)."""
    svg = qrcode.make(uri, image_factory=SvgPathFillImage, box_size=8, border=2).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def verify_code(secret: str, code: str | None, last_step: int | None, now: dt.datetime | None = None) -> int:
    """Check a 6-digit code within ±1 step; return its time-step (to store as the last one used).

    A code whose step is not newer than last_step is refused (InvalidCode "replayed"), so a code works once.
    """
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        raise InvalidCode("malformed")
    now = now or dt.datetime.now(dt.UTC)
    totp = pyotp.TOTP(secret)
    base = int(now.timestamp()) // STEP
    for step in range(base - DRIFT_STEPS, base + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP), code):
            if last_step is not None and step <= last_step:
                raise InvalidCode("replayed")
            return step
    raise InvalidCode("wrong")


def _throttled_until(account: Account, now: dt.datetime) -> dt.datetime | None:
    failed_at = account.second_factor_failed_at
    if (account.second_factor_failures or 0) < MAX_FAILURES or failed_at is None:
        return None
    until = failed_at + THROTTLE
    return until if until > now else None


def _record_failure(session: Session, account: Account, now: dt.datetime) -> None:
    """Count a wrong code in the database (atomically: racing requests each count)."""
    model = type(account)
    recent = model.second_factor_failed_at > now - THROTTLE
    session.execute(
        update(model).where(model.id == account.id)
        .values(second_factor_failures=case((recent, model.second_factor_failures + 1), else_=1),
                second_factor_failed_at=now)
        .execution_options(synchronize_session=False)
    )
    failures = session.scalar(select(model.second_factor_failures).where(model.id == account.id))
    set_committed_value(account, "second_factor_failures", failures)
    set_committed_value(account, "second_factor_failed_at", now)


def _guarded(session: Session, account: Account, now: dt.datetime | None, attempt: Callable[[dt.datetime], _T]) -> _T:
    """Run one check unless the account is throttled; count it when wrong, reset the count when right."""
    now = now or utcnow()
    until = _throttled_until(account, now)
    if until is not None:
        raise TooManyAttempts(minutes=max(1, -(-int((until - now).total_seconds()) // 60)))
    try:
        result = attempt(now)
    except InvalidCode:
        _record_failure(session, account, now)
        raise
    if account.second_factor_failures:
        account.second_factor_failures = 0
        account.second_factor_failed_at = None
    return result


def _accept_totp(session: Session, account: Account, code: str | None, now: dt.datetime) -> int:
    if not account.totp_secret:
        raise NotEnrolled()
    step = verify_code(account.totp_secret, code, account.totp_last_counter, now)
    model = type(account)
    result = session.execute(
        update(model)
        .where(model.id == account.id, or_(model.totp_last_counter.is_(None), model.totp_last_counter < step))
        .values(totp_last_counter=step)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise InvalidCode("replayed")
    set_committed_value(account, "totp_last_counter", step)
    return step


def accept_totp(session: Session, account: Account, code: str | None, *, now: dt.datetime | None = None) -> int:
    """Accept a TOTP code of a customer or staff user and record its step; raise InvalidCode otherwise.

    The step is stored with a conditional UPDATE, so of two requests racing with one code only one wins,
    even when both loaded the account before either stored it. Raises TooManyAttempts while throttled.
    """
    return _guarded(session, account, now, lambda at: _accept_totp(session, account, code, at))


def start_enrolment(account: Account) -> str:
    """Give the account a new secret to scan, not yet enabled; return it."""
    account.totp_secret = new_secret()
    account.totp_enabled = False
    account.totp_last_counter = None
    return account.totp_secret


def confirm_enrolment(session: Session, account: Account, code: str | None) -> None:
    """Turn the second factor on once a code proves the secret was saved; raise InvalidCode otherwise."""
    accept_totp(session, account, code)
    account.totp_enabled = True


def begin_staff_enrolment(session: Session, staff: StaffUser, *, ip: str | None = None) -> str:
    """A staff user's first login (or an enrolment left unfinished): a fresh secret to scan, audited."""
    secret = start_enrolment(staff)
    audit(session, "staff.totp_enrolment_started", actor_kind="staff", actor_id=staff.id, obj=staff, ip=ip)
    session.flush()
    return secret


def finish_staff_enrolment(session: Session, staff: StaffUser, code: str | None, *, ip: str | None = None) -> None:
    """Turn a staff user's second factor on with a code from the new secret (audited, a wrong code too); raise
    InvalidCode otherwise."""
    try:
        confirm_enrolment(session, staff, code)
    except TooManyAttempts:
        raise
    except SecondFactorError:
        _audit_wrong_code(session, staff, ip=ip, step="enrolment")
        raise
    audit(session, "staff.totp_enrolled", actor_kind="staff", actor_id=staff.id, obj=staff, ip=ip)
    session.flush()


def remove(session: Session, account: Account) -> None:
    """Turn the second factor off and forget its secret (and a customer's recovery codes)."""
    account.totp_enabled = False
    account.totp_secret = None
    account.totp_last_counter = None
    if isinstance(account, Customer):
        session.execute(delete(RecoveryCode).where(RecoveryCode.customer_id == account.id))


# --- recovery codes (customers) -------------------------------------------------------------------

def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def issue_recovery_codes(session: Session, customer: Customer) -> list[str]:
    """Replace the customer's recovery codes with new ones; return them in clear (shown once, stored hashed)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.customer_id == customer.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, single-use and rate limited
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(customer_id=customer.id, code_hash=hash_password(raw)))
    session.flush()
    return codes


def use_recovery_code(session: Session, customer: Customer, code: str | None) -> None:
    """Spend one unused recovery code matching code; raise InvalidCode if none matches (or it was just spent)."""
    given = _normalise_recovery(code or "")
    if len(given) != 10:
        raise InvalidCode("malformed")
    unused = session.scalars(select(RecoveryCode).where(RecoveryCode.customer_id == customer.id,
                                                        RecoveryCode.used_at.is_(None))).all()
    for rc in unused:
        if verify_password(rc.code_hash, given):
            spent = session.execute(
                update(RecoveryCode).where(RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False))
            if rowcount(spent) != 1:
                raise InvalidCode("replayed")
            return
    raise InvalidCode("wrong")


def remaining_recovery_codes(session: Session, customer: Customer) -> int:
    """Count the customer's unused recovery codes."""
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.customer_id == customer.id,
                                                             RecoveryCode.used_at.is_(None))).all())


def check(session: Session, account: Account, code: str | None, *, now: dt.datetime | None = None) -> str:
    """Accept a TOTP code, or a customer's recovery code; return which ("totp" / "recovery") or raise InvalidCode.

    Raises TooManyAttempts while the account is throttled.
    """
    compact = (code or "").strip().replace(" ", "")

    def attempt(at: dt.datetime) -> str:
        if (compact.isdigit() and len(compact) == 6) or not isinstance(account, Customer):
            _accept_totp(session, account, compact, at)
            return "totp"
        use_recovery_code(session, account, code)
        return "recovery"

    return _guarded(session, account, now, attempt)


def _audit_wrong_code(session: Session, account: Account, *, ip: str | None, step: str = "login") -> None:
    audit(session, f"{account.kind}.2fa_failed", actor_kind="anonymous", obj=account, ip=ip,
          customer_id=account.id if isinstance(account, Customer) else None, data={"step": step})
    session.flush()


def check_login_step(session: Session, account: Account, code: str | None, *, ip: str | None = None) -> str:
    """The login's second step (customers and staff): check() the code, audit a wrong one (`<kind>.2fa_failed`;
    the caller commits that entry with the account's count of wrong codes) and a right one; return which kind
    of code passed.

    Raises TooManyAttempts while throttled (not audited), InvalidCode for a wrong or reused code.
    """
    try:
        method = check(session, account, code)
    except TooManyAttempts:
        raise
    except SecondFactorError:
        _audit_wrong_code(session, account, ip=ip)
        raise
    audit(session, f"{account.kind}.2fa_passed", actor_kind=account.kind, actor_id=account.id, obj=account,
          customer_id=account.id if isinstance(account, Customer) else None, ip=ip, data={"method": method})
    session.flush()
    return method

"""TOTP codes (pyotp) for customers and staff: one module, replay protection, typed errors."""

from __future__ import annotations

import datetime as dt

import pyotp

ISSUER = "Hostico"
STEP = 30
DRIFT_STEPS = 1  # accept the previous and next 30-second step, no more


class InvalidTOTP(Exception):
    """The code is wrong, malformed, or was already used (replay)."""


def new_secret() -> str:
    """Return a new random base32 secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    """Return the otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def verify(secret: str, code: str, last_counter: int | None, now: dt.datetime | None = None) -> int:
    """Check a 6-digit code within ±1 step; return the accepted step counter (store it as last used).

    A code whose step is not newer than last_counter is refused, so a code works once.
    """
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        raise InvalidTOTP("malformed code")
    now = now or dt.datetime.now(dt.UTC)
    totp = pyotp.TOTP(secret)
    base = int(now.timestamp()) // STEP
    for counter in range(base - DRIFT_STEPS, base + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(counter * STEP), code):
            if last_counter is not None and counter <= last_counter:
                raise InvalidTOTP("code already used")
            return counter
    raise InvalidTOTP("wrong code")

"""Mobile numbers for SMS: parsed with `phonenumbers`, normalised to E.164 (default region RO)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType


class PhoneError(ValueError):
    """The input is not a usable mobile number; `reason` is 'empty', 'invalid' or 'not_mobile'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Regions where mobile and fixed numbers share ranges (US, ...) report FIXED_LINE_OR_MOBILE.
MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def parse_mobile(raw: str | None, region: str = "RO") -> str:
    """Return the number in E.164 or raise PhoneError (empty, invalid, or a landline)."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("empty")
    if len(text) > 40:
        raise PhoneError("invalid")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError("invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("invalid")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise PhoneError("not_mobile")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display_number(e164: str | None) -> str:
    """Format an E.164 number for people: '+40 722 123 456'."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164

"""The sandbox card gateway used in development and tests: no network, documented test card numbers.

| card number          | result                                  |
|----------------------|-----------------------------------------|
| 4242 4242 4242 4242  | approved                                |
| 5555 5555 5555 4444  | approved (Mastercard)                   |
| 4000 0000 0000 0002  | declined: card_declined                 |
| 4000 0000 0000 9995  | declined: insufficient_funds            |
| 4000 0000 0000 0069  | declined: expired_card                  |
| 4000 0000 0000 0119  | error: processing_error (try again)     |

Any other number that passes the Luhn check is declined as `unknown_test_card`; a number that fails
it is `invalid_number`. No card data is stored: only the last four digits travel further.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

APPROVED = {"4242424242424242", "5555555555554444"}
DECLINED = {
    "4000000000000002": ("card_declined", "The card was declined."),
    "4000000000009995": ("insufficient_funds", "The card has insufficient funds."),
    "4000000000000069": ("expired_card", "The card has expired."),
    "4000000000000119": ("processing_error", "The payment could not be processed. Try again."),
}


@dataclass(frozen=True)
class ChargeResult:
    """The gateway's answer: approved with a transaction id, or declined with a code and a message."""

    approved: bool
    code: str
    message: str
    transaction_id: str | None = None
    last4: str = ""

    @property
    def ok(self) -> bool:
        return self.approved


def clean_number(card_number: str) -> str:
    """Drop spaces and dashes a person types between the digit groups."""
    return "".join(ch for ch in (card_number or "") if ch not in " -")


def luhn_valid(number: str) -> bool:
    """Check a card number's Luhn check digit."""
    if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def charge(card_number: str, amount: Decimal, currency: str) -> ChargeResult:
    """Charge a sandbox card: the outcome depends only on the (documented) test number."""
    number = clean_number(card_number)
    last4 = number[-4:] if number.isascii() and number.isdigit() else ""
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0 or not (currency or "").isalpha() or len(currency) != 3:
        return ChargeResult(False, "invalid_amount", "The amount or currency is not valid.", last4=last4)
    if not luhn_valid(number):
        return ChargeResult(False, "invalid_number", "The card number is not valid.", last4=last4)
    if number in APPROVED:
        return ChargeResult(True, "approved", "Approved.", transaction_id="sbx_" + secrets.token_hex(12),
                            last4=last4)
    code, message = DECLINED.get(number, ("unknown_test_card", "The card was declined (use a sandbox test card)."))
    return ChargeResult(False, code, message, last4=last4)

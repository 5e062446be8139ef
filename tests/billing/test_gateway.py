"""The sandbox gateway's documented test cards."""

from decimal import Decimal

import pytest

from hostico.billing.gateway import charge, luhn_valid


@pytest.mark.parametrize("number", ["4242424242424242", "4242 4242 4242 4242", "5555-5555-5555-4444"])
def test_success_cards_are_approved_with_a_transaction_id(number):
    result = charge(number, Decimal("12.10"), "RON")
    assert result.approved and result.transaction_id.startswith("sbx_") and result.last4 in ("4242", "4444")


@pytest.mark.parametrize("number, code", [("4000000000000002", "card_declined"),
                                          ("4000000000009995", "insufficient_funds"),
                                          ("4000000000000069", "expired_card"),
                                          ("4000000000000119", "processing_error"),
                                          ("4111111111111111", "unknown_test_card"),
                                          ("4242424242424241", "invalid_number"),
                                          ("abcd", "invalid_number"), ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "invalid_number")])
def test_failure_cards_are_declined_with_a_reason(number, code):
    result = charge(number, Decimal("12.10"), "RON")
    assert not result.approved and result.code == code and result.transaction_id is None and result.message


def test_bad_amount_is_refused():
    assert charge("4242424242424242", Decimal("0"), "RON").code == "invalid_amount"
    assert charge("4242424242424242", Decimal("1"), "LEI!").code == "invalid_amount"


def test_luhn():
    assert luhn_valid("79927398713") is False  # too short for a card
    assert luhn_valid("4000000000000002") and not luhn_valid("4000000000000003")

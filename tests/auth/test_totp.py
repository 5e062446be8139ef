"""The TOTP core: drift window, replay refusal, malformed codes."""

import datetime as dt

import pyotp
import pytest

from hostico.auth.totp import InvalidTOTP, new_secret, verify

NOW = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)


def _code(secret, when):
    return pyotp.TOTP(secret).at(when)


def test_current_code_is_accepted_and_returns_its_step():
    s = new_secret()
    assert verify(s, _code(s, NOW), None, NOW) == int(NOW.timestamp()) // 30


def test_one_step_of_drift_is_accepted_two_are_not():
    s = new_secret()
    verify(s, _code(s, NOW - dt.timedelta(seconds=30)), None, NOW)
    verify(s, _code(s, NOW + dt.timedelta(seconds=30)), None, NOW)
    with pytest.raises(InvalidTOTP):
        verify(s, _code(s, NOW - dt.timedelta(seconds=90)), None, NOW)


def test_a_code_is_refused_the_second_time():
    s = new_secret()
    counter = verify(s, _code(s, NOW), None, NOW)
    with pytest.raises(InvalidTOTP):
        verify(s, _code(s, NOW), counter, NOW)


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567", None])
def test_malformed_codes_are_refused(bad):
    with pytest.raises(InvalidTOTP):
        verify(new_secret(), bad, None, NOW)

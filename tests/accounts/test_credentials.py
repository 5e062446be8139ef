"""Credential changes as domain functions (no Flask request): a refused change changes nothing; an accepted
one ends the customer's other sessions, and a password change or enabling 2FA revokes mail-login links."""

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from hostico.accounts import credentials, second_factor
from hostico.accounts.passwords import verify_password
from hostico.accounts.second_factor import InvalidCode, new_secret
from hostico.maillogin import links
from hostico.models import AuditLog, MailLoginToken
from tests.factories import PASSWORD

NEW = "brand-new-password-42"


def _link(session, customer, make) -> MailLoginToken:
    invoice = make.make_proforma(customer)
    links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                       sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost", secret_key="k" * 32)
    return session.scalar(select(MailLoginToken).where(MailLoginToken.customer_id == customer.id))


def _actions(session, customer) -> list[str]:
    return list(session.scalars(select(AuditLog.action).where(AuditLog.customer_id == customer.id)))


@pytest.mark.parametrize("current, new, error", [
    ("wrong-password-1", NEW, credentials.WrongPassword),
    (PASSWORD, PASSWORD, credentials.SamePassword),
    (PASSWORD, "short", credentials.PasswordTooShort),
])
def test_a_refused_password_change_changes_nothing(session, make, current, new, error):
    customer = make.make_customer()
    link = _link(session, customer, make)
    epoch, stored = customer.session_epoch, customer.password_hash
    with pytest.raises(error):
        credentials.change_password(session, customer, current, new, ip="192.0.2.1")
    assert (customer.password_hash, customer.session_epoch, link.revoked_at) == (stored, epoch, None)
    assert "customer.password_changed" not in _actions(session, customer)


def test_a_password_change_ends_sessions_revokes_links_and_is_audited(session, make):
    customer = make.make_customer()
    link = _link(session, customer, make)
    epoch = customer.session_epoch
    credentials.change_password(session, customer, PASSWORD, NEW, ip="192.0.2.1")
    session.refresh(link)
    assert verify_password(customer.password_hash, NEW) and customer.password_changed_at is not None
    assert customer.session_epoch == epoch + 1
    assert link.revoked_at is not None and link.revoked_reason == "password_changed"
    assert "customer.password_changed" in _actions(session, customer)


def test_enabling_needs_a_code_of_the_new_secret(session, make):
    customer = make.make_customer()
    link = _link(session, customer, make)
    secret = credentials.start_second_factor_setup(session, customer)
    assert customer.totp_enabled is False and customer.totp_secret == secret
    with pytest.raises(InvalidCode):
        credentials.enable_second_factor(session, customer, f"{(int(pyotp.TOTP(secret).now()) + 1) % 10**6:06d}",
                                         password=PASSWORD)
    assert customer.totp_enabled is False and link.revoked_at is None
    epoch = customer.session_epoch
    codes = credentials.enable_second_factor(session, customer, pyotp.TOTP(secret).now(), password=PASSWORD)
    session.refresh(link)
    assert customer.totp_enabled is True and len(codes) == 10
    assert second_factor.remaining_recovery_codes(session, customer) == 10
    assert customer.session_epoch == epoch + 1 and link.revoked_reason == "2fa_enabled"
    with pytest.raises(credentials.SecondFactorState):
        credentials.start_second_factor_setup(session, customer)


def test_disabling_needs_the_password_then_a_code(session, make):
    secret = new_secret()
    customer = make.make_customer(totp_secret=secret, totp_enabled=True)
    second_factor.issue_recovery_codes(session, customer)
    with pytest.raises(credentials.WrongPassword):
        credentials.disable_second_factor(session, customer, "wrong-password-1", pyotp.TOTP(secret).now())
    assert customer.totp_last_counter is None  # the code was not even spent
    with pytest.raises(InvalidCode):
        credentials.disable_second_factor(session, customer, PASSWORD, "abcde-abcde")
    assert customer.totp_enabled is True
    epoch = customer.session_epoch
    credentials.disable_second_factor(session, customer, PASSWORD, pyotp.TOTP(secret).now())
    session.flush()
    assert (customer.totp_enabled, customer.totp_secret) == (False, None)
    assert second_factor.remaining_recovery_codes(session, customer) == 0
    assert customer.session_epoch == epoch + 1
    assert "customer.2fa_disabled" in _actions(session, customer)
    with pytest.raises(credentials.SecondFactorState):
        credentials.disable_second_factor(session, customer, PASSWORD, "123456")


def test_replacing_recovery_codes_needs_a_totp_code_not_a_recovery_code(session, make):
    secret = new_secret()
    customer = make.make_customer(totp_secret=secret, totp_enabled=True)
    old = second_factor.issue_recovery_codes(session, customer)
    with pytest.raises(InvalidCode):
        credentials.replace_recovery_codes(session, customer, old[0])
    new = credentials.replace_recovery_codes(session, customer, pyotp.TOTP(secret).now())
    assert set(new).isdisjoint(old) and second_factor.remaining_recovery_codes(session, customer) == 10
    with pytest.raises(InvalidCode):
        second_factor.check(session, customer, old[1])

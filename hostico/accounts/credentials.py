"""A customer's credentials: change the password, turn the second factor on and off, replace recovery codes.

Each function checks, changes, audits and flushes, and raises a typed error when refused (nothing changed
then). It never commits: the request commits once. A password change and any 2FA change end every
other session of the customer (the caller renews its own); a password change and enabling 2FA also
revoke the customer's mail-login links.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hostico.accounts import login_sessions, second_factor, stepup
from hostico.accounts.mail_links import revoke_customer_links
from hostico.accounts.passwords import hash_password
from hostico.accounts.settings import AccountSettings
from hostico.audit import record as audit
from hostico.errors import N_, TranslatableError
from hostico.models import Customer, UserSession, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 200


class CredentialError(TranslatableError):
    """A credential change was refused; nothing was changed."""


WrongPassword = stepup.WrongPassword  # the one password re-check (stepup), raised here too
TooManyPasswordAttempts = stepup.TooManyAttempts


class SamePassword(CredentialError):
    code = "accounts.same_password"
    template = N_("Choose a password different from the current one.")


class PasswordTooShort(CredentialError):
    code = "accounts.password_too_short"
    template = N_("Use at least %(min)d characters.")


class SecondFactorState(CredentialError):
    """2FA is already on (enabling) or already off (disabling, replacing codes)."""

    code = "accounts.second_factor_state"
    template = N_("Two-factor authentication is already in that state.")


def check_new_password(new: str | None) -> None:
    """Raise PasswordTooShort unless new is acceptable (the one rule: change, reset, sign-up, invitation)."""
    if not (MIN_PASSWORD <= len(new or "") <= MAX_PASSWORD):
        raise PasswordTooShort(min=MIN_PASSWORD)


def end_other_sessions(session: Session, customer: Customer, *, reason: str) -> None:
    """End every session of the customer (the caller starts a new one for the current browser)."""
    login_sessions.revoke_all(session, customer, reason=reason)


def check_password(session: Session, customer: Customer, password: str | None, *, purpose: str,
                   settings: AccountSettings | None = None, ip: str | None = None,
                   session_record: UserSession | None = None) -> None:
    """Raise WrongPassword unless password is the customer's (the step-up: audited, throttled)."""
    stepup.step_up(session, customer, password, settings=settings or AccountSettings(), purpose=purpose, ip=ip,
                   session_record=session_record)


def change_password(session: Session, customer: Customer, current: str | None, new: str, *,
                    ip: str | None = None, settings: AccountSettings | None = None,
                    session_record: UserSession | None = None) -> None:
    """Replace the password (the current one must match), end other sessions and revoke mail links."""
    check_password(session, customer, current, purpose="password_change", settings=settings, ip=ip,
                   session_record=session_record)
    if new == current:
        raise SamePassword()
    check_new_password(new)
    customer.password_hash = hash_password(new)
    customer.password_changed_at = utcnow()
    revoke_customer_links(session, customer.id, reason="password_changed", actor_kind="customer",
                          actor_id=customer.id)
    audit(session, "customer.password_changed", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip)
    end_other_sessions(session, customer, reason="password_changed")


def start_second_factor_setup(session: Session, customer: Customer, *, ip: str | None = None) -> str:
    """Give the customer a new TOTP secret to scan (2FA stays off until a code confirms it); return it."""
    if customer.totp_enabled:
        raise SecondFactorState()
    secret = second_factor.start_enrolment(customer)
    audit(session, "customer.2fa_setup_started", actor_kind="customer", actor_id=customer.id,
          customer_id=customer.id, ip=ip)
    session.flush()
    return secret


def enable_second_factor(session: Session, customer: Customer, code: str | None, *, password: str | None,
                         ip: str | None = None, settings: AccountSettings | None = None,
                         session_record: UserSession | None = None) -> list[str]:
    """Turn 2FA on once the password (always: a copied fresh cookie must not be enough) and a code that
    proves the secret was saved are given; return the new recovery codes (shown once).

    Raises WrongPassword, and second_factor.InvalidCode for a wrong code. Ends other sessions and revokes
    mail links.
    """
    if customer.totp_enabled or not customer.totp_secret:
        raise SecondFactorState()
    check_password(session, customer, password, purpose="2fa_enable", settings=settings, ip=ip,
                   session_record=session_record)
    second_factor.confirm_enrolment(session, customer, code)
    codes = second_factor.issue_recovery_codes(session, customer)
    revoke_customer_links(session, customer.id, reason="2fa_enabled", actor_kind="customer", actor_id=customer.id)
    audit(session, "customer.2fa_enabled", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip)
    end_other_sessions(session, customer, reason="2fa_enabled")
    return codes


def disable_second_factor(session: Session, customer: Customer, password: str | None, code: str | None, *,
                          ip: str | None = None, settings: AccountSettings | None = None,
                          session_record: UserSession | None = None) -> None:
    """Turn 2FA off: needs the password (WrongPassword) and a current or recovery code (InvalidCode)."""
    if not customer.totp_enabled:
        raise SecondFactorState()
    check_password(session, customer, password, purpose="2fa_disable", settings=settings, ip=ip,
                   session_record=session_record)
    second_factor.check(session, customer, code)
    second_factor.remove(session, customer)
    audit(session, "customer.2fa_disabled", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip)
    end_other_sessions(session, customer, reason="2fa_disabled")


def replace_recovery_codes(session: Session, customer: Customer, code: str | None, *,
                           ip: str | None = None) -> list[str]:
    """Replace the recovery codes once a current code from the app is given; return the new ones."""
    if not customer.totp_enabled:
        raise SecondFactorState()
    second_factor.accept_totp(session, customer, code)
    codes = second_factor.issue_recovery_codes(session, customer)
    audit(session, "customer.recovery_codes_replaced", actor_kind="customer", actor_id=customer.id,
          obj=customer, customer_id=customer.id, ip=ip)
    return codes

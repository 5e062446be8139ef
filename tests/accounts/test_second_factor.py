"""One second-factor module for customers and staff: drift window, typed errors, replay refused even
across racing requests, recovery codes single-use and stored hashed."""

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select, update

from hostico.accounts import second_factor
from hostico.accounts.second_factor import InvalidCode, NotEnrolled, new_secret, verify_code
from hostico.models import Customer, RecoveryCode
from hostico.web.database import db

NOW = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)


def _code(secret, when=None):
    return pyotp.TOTP(secret).at(when or dt.datetime.now(dt.UTC))


# --- the TOTP core ---------------------------------------------------------------------------------

def test_current_code_is_accepted_and_returns_its_step():
    s = new_secret()
    assert verify_code(s, _code(s, NOW), None, NOW) == int(NOW.timestamp()) // 30


def test_one_step_of_drift_is_accepted_two_are_not():
    s = new_secret()
    verify_code(s, _code(s, NOW - dt.timedelta(seconds=30)), None, NOW)
    verify_code(s, _code(s, NOW + dt.timedelta(seconds=30)), None, NOW)
    with pytest.raises(InvalidCode) as err:
        verify_code(s, _code(s, NOW - dt.timedelta(seconds=90)), None, NOW)
    assert err.value.reason == "wrong"


def test_a_code_is_refused_the_second_time_as_a_replay():
    s = new_secret()
    step = verify_code(s, _code(s, NOW), None, NOW)
    with pytest.raises(InvalidCode) as err:
        verify_code(s, _code(s, NOW), step, NOW)
    assert err.value.reason == "replayed"
    # An older code than the last used one is a replay too, even inside the drift window.
    with pytest.raises(InvalidCode):
        verify_code(s, _code(s, NOW - dt.timedelta(seconds=30)), step, NOW)


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567", None])
def test_malformed_codes_are_refused(bad):
    with pytest.raises(InvalidCode) as err:
        verify_code(new_secret(), bad, None, NOW)
    assert err.value.reason == "malformed"


def test_invalid_code_is_a_translatable_error_with_a_stable_code():
    err = InvalidCode("replayed")
    assert err.code == "second_factor.invalid" and str(err) == "Wrong code, or a code that was already used."


# --- one module for both kinds of account -----------------------------------------------------------

@pytest.fixture(params=["customer", "staff"])
def account(request, make):
    secret = new_secret()
    if request.param == "customer":
        return make.make_customer(totp_secret=secret, totp_enabled=True)
    return make.make_staff(totp_secret=secret, totp_enabled=True)


def test_an_accepted_code_is_stored_and_refused_next_time(session, account):
    code = _code(account.totp_secret)
    step = second_factor.accept_totp(session, account, code)
    session.commit()
    session.expire_all()
    assert session.get(type(account), account.id).totp_last_counter == step
    with pytest.raises(InvalidCode):
        second_factor.accept_totp(session, session.get(type(account), account.id), code)


def test_a_code_used_meanwhile_by_a_concurrent_request_is_refused(app, session, account):
    """Two requests loaded the account before either stored the code: the database decides, once."""
    model, code = type(account), _code(account.totp_secret)
    with app.app_context():
        s1, s2 = db.get(app).new_session(), db.get(app).new_session()
        try:
            a1, a2 = s1.get(model, account.id), s2.get(model, account.id)
            assert a1.totp_last_counter is None and a2.totp_last_counter is None
            second_factor.accept_totp(s1, a1, code)
            s1.commit()
            with pytest.raises(InvalidCode) as err:
                second_factor.accept_totp(s2, a2, code)
            assert err.value.reason == "replayed"
        finally:
            s1.rollback(), s2.rollback()
            s1.close(), s2.close()


def test_a_stale_account_cannot_reuse_a_step_another_request_stored(session, account):
    model, code = type(account), _code(account.totp_secret)
    stale = session.get(model, account.id)
    used = verify_code(account.totp_secret, code, None)
    session.execute(update(model).where(model.id == account.id).values(totp_last_counter=used)
                    .execution_options(synchronize_session=False))
    assert stale.totp_last_counter is None
    with pytest.raises(InvalidCode):
        second_factor.accept_totp(session, stale, code)


def test_an_account_without_a_secret_is_not_enrolled(session, make):
    with pytest.raises(NotEnrolled):
        second_factor.accept_totp(session, make.make_staff(), "123456")
    with pytest.raises(NotEnrolled):
        second_factor.check(session, make.make_customer(), "123456")


def test_enrolment_turns_on_only_with_a_code_of_the_new_secret(session, make):
    staff = make.make_staff(totp_secret=new_secret(), totp_enabled=True, totp_last_counter=5)
    old = staff.totp_secret
    secret = second_factor.start_enrolment(staff)
    assert secret != old and staff.totp_enabled is False and staff.totp_last_counter is None
    with pytest.raises(InvalidCode):
        second_factor.confirm_enrolment(session, staff, _code(old))
    assert staff.totp_enabled is False
    second_factor.confirm_enrolment(session, staff, _code(secret))
    assert staff.totp_enabled is True


def test_staff_have_no_recovery_codes(session, make):
    staff = make.make_staff(totp_secret=new_secret(), totp_enabled=True)
    with pytest.raises(InvalidCode):
        second_factor.check(session, staff, "abcde-12345")
    assert second_factor.check(session, staff, _code(staff.totp_secret)) == "totp"


# --- recovery codes -----------------------------------------------------------------------------------

@pytest.fixture
def customer(make):
    return make.make_customer(totp_secret=new_secret(), totp_enabled=True)


def test_recovery_codes_are_stored_hashed(session, customer):
    codes = second_factor.issue_recovery_codes(session, customer)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.customer_id == customer.id)).all()
    assert len(stored) == 10
    for h in stored:
        assert h.startswith("$argon2id$")
        assert all(code not in h and code.replace("-", "") not in h for code in codes)


def test_a_recovery_code_works_once_whatever_its_case_and_dash(session, customer):
    codes = second_factor.issue_recovery_codes(session, customer)
    assert second_factor.check(session, customer, codes[2].upper().replace("-", " ")) == "recovery"
    with pytest.raises(InvalidCode):
        second_factor.check(session, customer, codes[2])
    assert second_factor.remaining_recovery_codes(session, customer) == 9


def test_removing_the_second_factor_deletes_recovery_codes(session, customer):
    second_factor.issue_recovery_codes(session, customer)
    second_factor.remove(session, customer)
    session.flush()
    assert (customer.totp_enabled, customer.totp_secret, customer.totp_last_counter) == (False, None, None)
    assert second_factor.remaining_recovery_codes(session, customer) == 0


def test_concurrent_use_of_one_recovery_code_wins_once(app, session, customer, monkeypatch):
    """Another request spends the code between our hash check and our update: ours must lose."""
    codes = second_factor.issue_recovery_codes(session, customer)
    session.commit()
    real_verify = second_factor.verify_password
    with app.app_context():
        s1, s2 = db.get(app).new_session(), db.get(app).new_session()
        c1, c2 = s1.get(Customer, customer.id), s2.get(Customer, customer.id)

        def racing_verify(stored_hash, code):
            ok = real_verify(stored_hash, code)
            if ok:
                monkeypatch.setattr(second_factor, "verify_password", real_verify)
                second_factor.use_recovery_code(s1, c1, codes[0])  # the other request wins
                s1.commit()
            return ok

        monkeypatch.setattr(second_factor, "verify_password", racing_verify)
        try:
            with pytest.raises(InvalidCode) as err:
                second_factor.use_recovery_code(s2, c2, codes[0])
            assert err.value.reason == "replayed"
        finally:
            s1.rollback(), s2.rollback()
            s1.close(), s2.close()
    session.expire_all()
    assert second_factor.remaining_recovery_codes(session, session.get(Customer, customer.id)) == 9



# --- throttling ------------------------------------------------------------------------------------------

def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_too_many_wrong_codes_throttle_even_the_right_code(session, account):
    model = type(account)
    now = dt.datetime.now(dt.UTC)
    for _ in range(second_factor.MAX_FAILURES):
        with pytest.raises(InvalidCode):
            second_factor.accept_totp(session, account, _wrong(_code(account.totp_secret, now)), now=now)
    session.commit()
    session.expire_all()
    account = session.get(model, account.id)
    assert account.second_factor_failures == second_factor.MAX_FAILURES
    with pytest.raises(second_factor.TooManyAttempts) as err:
        second_factor.accept_totp(session, account, _code(account.totp_secret, now), now=now)
    assert err.value.params == {"minutes": 15} and account.totp_last_counter is None
    assert str(err.value) == "Too many wrong codes. Try again in 15 minutes."
    later = now + second_factor.THROTTLE + dt.timedelta(seconds=1)
    second_factor.accept_totp(session, account, _code(account.totp_secret, later), now=later)
    assert (account.second_factor_failures, account.second_factor_failed_at) == (0, None)


def test_a_right_code_resets_the_count_and_old_failures_expire(session, account):
    now = dt.datetime.now(dt.UTC)
    for _ in range(second_factor.MAX_FAILURES - 1):
        with pytest.raises(InvalidCode):
            second_factor.check(session, account, "abcdefgh12", now=now)
    assert account.second_factor_failures == second_factor.MAX_FAILURES - 1
    second_factor.check(session, account, _code(account.totp_secret, now), now=now)
    assert account.second_factor_failures == 0
    with pytest.raises(InvalidCode):
        second_factor.check(session, account, _wrong(_code(account.totp_secret, now)), now=now)
    later = now + second_factor.THROTTLE + dt.timedelta(minutes=1)
    with pytest.raises(InvalidCode):
        second_factor.check(session, account, "abcdefgh12", now=later)
    assert account.second_factor_failures == 1  # the earlier wrong code is too old to count


def test_the_count_is_kept_in_the_database_across_requests(app, session, account):
    """Two requests each count their wrong code, whatever the other loaded."""
    model = type(account)
    with app.app_context():
        s1, s2 = db.get(app).new_session(), db.get(app).new_session()
        try:
            a1, a2 = s1.get(model, account.id), s2.get(model, account.id)
            for s, a in ((s1, a1), (s2, a2)):
                with pytest.raises(InvalidCode):
                    second_factor.accept_totp(s, a, "12345x")
                s.commit()
        finally:
            s1.close(), s2.close()
    session.expire_all()
    assert session.get(model, account.id).second_factor_failures == 2

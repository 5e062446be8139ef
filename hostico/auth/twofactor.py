"""The TOTP second factor for customers: the login step after the password, and the checks it shares
with My Details (TOTP codes with replay protection, single-use recovery codes stored hashed)."""

from __future__ import annotations

import secrets
import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hostico.audit import record as audit
from hostico.auth import bp, totp
from hostico.auth.passwords import hash_password, verify_password
from hostico.auth.redirects import safe_next
from hostico.auth.sessions import start_session
from hostico.db import db
from hostico.extensions import limiter
from hostico.models import Customer, RecoveryCode, utcnow
from hostico.security import no_store, public

PENDING_KEY = "2fa_pending"
PENDING_SECONDS = 300  # the password step is valid this long for the code to follow
RECOVERY_CODES = 10


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


# --- second-factor checks (shared with My Details) -------------------------------------------------

def accept_totp(session_: Session, customer: Customer, code: str | None, *, secret: str | None = None) -> bool:
    """Check a TOTP code and store its step, so the same code (or an older one) never works again."""
    secret = secret or customer.totp_secret
    if not secret:
        return False
    try:
        counter = totp.verify(secret, code or "", customer.totp_last_counter)
    except totp.InvalidTOTP:
        return False
    # Conditional update: two requests racing with the same code cannot both win.
    result = session_.execute(
        update(Customer)
        .where(Customer.id == customer.id,
               or_(Customer.totp_last_counter.is_(None), Customer.totp_last_counter < counter))
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(customer, "totp_last_counter", counter)
    return True


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def issue_recovery_codes(session_: Session, customer: Customer) -> list[str]:
    """Replace the customer's recovery codes with new ones; return them in clear (shown once, stored hashed)."""
    session_.execute(delete(RecoveryCode).where(RecoveryCode.customer_id == customer.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, single-use and rate limited
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session_.add(RecoveryCode(customer_id=customer.id, code_hash=hash_password(raw)))
    session_.flush()
    return codes


def use_recovery_code(session_: Session, customer: Customer, code: str | None) -> bool:
    """Spend one unused recovery code matching code; False if none matches."""
    given = _normalise_recovery(code or "")
    if len(given) != 10:
        return False
    unused = session_.scalars(select(RecoveryCode).where(RecoveryCode.customer_id == customer.id,
                                                         RecoveryCode.used_at.is_(None))).all()
    for rc in unused:
        if verify_password(rc.code_hash, given):
            spent = session_.execute(
                update(RecoveryCode).where(RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False))
            return spent.rowcount == 1
    return False


def remaining_recovery_codes(session_: Session, customer: Customer) -> int:
    """Count the customer's unused recovery codes."""
    return len(session_.scalars(select(RecoveryCode.id).where(RecoveryCode.customer_id == customer.id,
                                                              RecoveryCode.used_at.is_(None))).all())


def check_second_factor(session_: Session, customer: Customer, code: str | None) -> str | None:
    """Accept a TOTP code or a recovery code; return which one ("totp" / "recovery"), or None."""
    compact = (code or "").strip().replace(" ", "")
    if compact.isdigit() and len(compact) == 6:
        return "totp" if accept_totp(session_, customer, compact) else None
    return "recovery" if use_recovery_code(session_, customer, code) else None


# --- the login step ------------------------------------------------------------------------------

def begin_second_step(customer: Customer, next_url: str | None):
    """After a correct password, remember who is half-way through logging in and ask for the code."""
    session.clear()  # not logged in yet: nothing of the earlier session survives
    session[PENDING_KEY] = {"cid": customer.id, "epoch": customer.session_epoch, "at": int(time.time()),
                            "next": safe_next(next_url, "")}
    return redirect(url_for("auth.second_step"))


def _pending() -> dict | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def _pending_account_key() -> str:
    pending = _pending()
    if pending is None:
        return "2fa-ip:" + (request.remote_addr or "")
    return f"2fa-account:{pending['cid']}"


@bp.route("/login/2fa", methods=["GET", "POST"])
@public
@no_store
@limiter.limit("30 per 10 minutes", methods=["POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"], key_func=_pending_account_key)
def second_step():
    """Ask for the authenticator code (or a recovery code) and start the session when it is right."""
    pending = _pending()
    customer = db.session.get(Customer, pending["cid"]) if pending else None
    if (customer is None or not customer.totp_enabled
            or str(customer.session_epoch) != str(pending.get("epoch"))):  # type: ignore[union-attr]
        session.pop(PENDING_KEY, None)
        if request.method == "POST":
            flash(_("Your login took too long. Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        method = check_second_factor(db.session, customer, form.code.data)
        if method:
            next_url = pending.get("next")  # type: ignore[union-attr]
            start_session(customer, via="password+" + method)
            audit(db.session, "customer.2fa_passed", actor_kind="customer", actor_id=customer.id,
                  customer_id=customer.id, ip=request.remote_addr, data={"method": method})
            db.session.commit()
            return redirect(safe_next(next_url, url_for("client.dashboard")))
        audit(db.session, "customer.2fa_failed", actor_kind="anonymous", customer_id=customer.id,
              ip=request.remote_addr)
        db.session.commit()
        form.code.errors.append(_("Wrong code, or a code that was already used. Enter the next code from your app."))
        status = 401
    elif request.method == "POST":
        status = 401
    return render_template("auth/two_factor.html", form=form), status

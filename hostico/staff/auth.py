"""Staff login at /staff/login: password, then a TOTP code (enrolled at first login); logout."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.accounts import second_factor
from hostico.accounts.login_attempts import LoginDelayed, password_login
from hostico.models import StaffUser
from hostico.staff.blueprint import STAFF_MFA_KEY, bp
from hostico.staff.forms import StaffLoginForm, TotpForm
from hostico.staff.lookups import client_ip
from hostico.staff.permissions import requires
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.i18n import error_message
from hostico.web.login_session import end_session, start_session
from hostico.web.redirects import safe_next
from hostico.web.security import no_store, public

# Between the password and the code the session holds only who passed the password, and when.
PENDING_KEY = "staff_login_pending"
PENDING_SECONDS = 300


def _pending_key() -> str:
    pending = session.get(PENDING_KEY) or {}
    return f"staff-login-code:{pending.get('id')}"


def _pending_staff() -> StaffUser | None:
    """Return the staff user who passed the password step in this session, if recent and still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    staff = db.session.get(StaffUser, int(pending.get("id", 0)))
    if staff is None or not staff.active or staff.session_epoch != pending.get("epoch"):
        return None
    return staff


def _finish_login(staff: StaffUser):
    next_url = (session.get(PENDING_KEY) or {}).get("next")
    start_session(staff)  # a brand-new session: nothing from before the login survives
    session[STAFF_MFA_KEY] = True
    db.session.commit()
    return redirect(safe_next(next_url, url_for("staff.index")))


def _enrolment(staff: StaffUser) -> dict:
    uri = second_factor.provisioning_uri(staff.totp_secret, staff.email)
    return {"qr": second_factor.qr_data_uri(uri), "secret": staff.totp_secret}


def _refused(form: TotpForm, err: second_factor.SecondFactorError, template: str, **ctx):
    """Answer a refused code: 429 while throttled, else 401; keep the account's count of wrong codes."""
    db.session.commit()
    throttled = isinstance(err, second_factor.TooManyAttempts)
    form.code.errors.append(error_message(err) if throttled else _("Wrong or already used code."))
    return render_template(template, form=form, **ctx), 429 if throttled else 401


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
@no_store
def login():
    """Staff login, first step: email and password."""
    next_url = request.values.get("next")
    if (request.method == "GET" and current_user.is_authenticated
            and getattr(current_user, "kind", None) == "staff" and session.get(STAFF_MFA_KEY)):
        return redirect(safe_next(next_url, url_for("staff.index")))
    form = StaffLoginForm()
    if form.validate_on_submit():
        # Wrong passwords delay this client for this address only (docs/accounts.md), and are audited.
        try:
            staff = password_login(db.session, StaffUser, form.email.data, form.password.data, client=client_ip())
        except LoginDelayed as err:
            form.password.errors.append(error_message(err))
            return render_template("staff/login.html", form=form, next=safe_next(next_url, "")), 429
        if staff is not None:
            session.clear()
            session[PENDING_KEY] = {"id": staff.id, "epoch": staff.session_epoch, "at": time.time(),
                                    "next": safe_next(next_url, "")}
            if not (staff.totp_secret and staff.totp_enabled):
                # First login (or an enrolment left unfinished): a fresh secret to scan.
                second_factor.begin_staff_enrolment(db.session, staff, ip=client_ip())
                db.session.commit()
                return redirect(url_for("staff.login_enrol"))
            db.session.commit()  # the client's count of wrong passwords for this address starts again
            return redirect(url_for("staff.login_code"))
        db.session.commit()  # the count and the audit entry of the wrong password
        # One message for a wrong password, an unknown email and a disabled account.
        form.password.errors.append(_("Wrong email or password."))
    elif request.method == "POST" and not form.errors:
        form.password.errors.append(_("Wrong email or password."))
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form, next=safe_next(next_url, "")), status


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit("30 per 5 minutes", methods=["POST"])
@limiter.limit("5 per 5 minutes", methods=["POST"], key_func=_pending_key)
@no_store
def login_code():
    """Staff login, second step: the authenticator app's code."""
    staff = _pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    if not staff.totp_enabled:
        return redirect(url_for("staff.login_enrol"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            second_factor.check_login_step(db.session, staff, form.code.data, ip=client_ip())
        except second_factor.SecondFactorError as err:
            return _refused(form, err, "staff/login_code.html")
        return _finish_login(staff)
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login_code.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@limiter.limit("30 per 5 minutes", methods=["POST"])
@limiter.limit("5 per 5 minutes", methods=["POST"], key_func=_pending_key)
@no_store
def login_enrol():
    """Staff login at first use: scan the QR code, confirm with a code, then get in."""
    staff = _pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    if staff.totp_enabled:
        return redirect(url_for("staff.login_code"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            second_factor.finish_staff_enrolment(db.session, staff, form.code.data, ip=client_ip())
        except second_factor.SecondFactorError as err:
            return _refused(form, err, "staff/login_enrol.html", **_enrolment(staff))
        return _finish_login(staff)
    status = 401 if request.method == "POST" else 200
    return render_template("staff/login_enrol.html", form=form, **_enrolment(staff)), status


@bp.route("/logout", methods=["POST"])
@requires("view")
def logout():
    """Log the staff user out (POST with CSRF)."""
    end_session()  # audited (staff.logout); the server record is revoked: a copy of the cookie stops working too
    db.session.commit()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("staff.login"))

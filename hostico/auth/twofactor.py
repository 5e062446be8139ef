"""The customer login step after the password: a TOTP code or a recovery code (checked by accounts.second_factor)."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hostico.accounts import second_factor
from hostico.auth.blueprint import bp
from hostico.models import Customer
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import Form
from hostico.web.i18n import error_message
from hostico.web.login_session import start_session
from hostico.web.redirects import safe_next
from hostico.web.security import no_store, public

PENDING_KEY = "2fa_pending"
PENDING_SECONDS = 300  # the password step is valid this long for the code to follow


class TwoFactorForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


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
        try:
            method = second_factor.check_login_step(db.session, customer, form.code.data, ip=request.remote_addr)
        except second_factor.TooManyAttempts as err:
            form.code.errors.append(error_message(err))
            return render_template("auth/two_factor.html", form=form), 429
        except second_factor.SecondFactorError:
            db.session.commit()  # the audit entry and the account's count of wrong codes
            form.code.errors.append(
                _("Wrong code, or a code that was already used. Enter the next code from your app."))
            return render_template("auth/two_factor.html", form=form), 401
        next_url = pending.get("next")  # type: ignore[union-attr]
        start_session(customer, via="password+" + method)
        db.session.commit()
        return redirect(safe_next(next_url, url_for("client.dashboard")))
    elif request.method == "POST":
        status = 401
    return render_template("auth/two_factor.html", form=form), status

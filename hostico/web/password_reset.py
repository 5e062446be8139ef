"""The password-reset pages, shared by the customer (/password/reset) and staff (/staff/password/reset) blueprints.

Each blueprint adds them with `register` for its kind of account; the rules are in
hostico.accounts.recovery (docs/accounts.md, "Password reset"). The link from the email (`/a/<token>`,
hostico.auth.account_link) leaves its token in the session and sends the browser here without it, so the
token never stays in the address bar.
"""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from hostico.accounts import recovery
from hostico.accounts.credentials import CredentialError
from hostico.accounts.link_tokens import InvalidAccountLink
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import Form
from hostico.web.i18n import error_message, language
from hostico.web.security import no_store, public

LINK_KEY = "account_link"  # the token of the account link followed in this browser: {"token", "purpose", "at"}
LINK_SECONDS = 1800  # how long a followed link waits in the session for its form
# Flask-Limiter limits of the request form (docs/accounts.md): per address asked, and per client.
REQUEST_LIMIT_PER_ADDRESS = "5 per 15 minutes"
REQUEST_LIMIT_PER_CLIENT = "20 per hour"
NEW_PASSWORD_LIMIT = "20 per 15 minutes"


class ResetRequestForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


def email_key(prefix: str) -> str:
    """The limiter key of a request form: the address asked (any case)."""
    return f"{prefix}:" + (request.form.get("email") or "").strip().lower()[:254]


def remember_link(token: str, purpose: str) -> None:
    """Keep a followed link's token in this browser's session for the page it leads to."""
    session[LINK_KEY] = {"token": token, "purpose": purpose, "at": int(time.time())}


def remembered_token(purpose: str) -> str | None:
    """The token of the link of this purpose followed in this browser recently, if any."""
    link = session.get(LINK_KEY)
    if (isinstance(link, dict) and link.get("purpose") == purpose
            and time.time() - float(link.get("at", 0)) <= LINK_SECONDS):
        return str(link.get("token") or "") or None
    return None


def forget_link() -> None:
    session.pop(LINK_KEY, None)


def request_page(kind: str, *, base: str, action: str):
    """Ask for an address and email it a reset link if it is an account's; the same answer for any address."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        recovery.request_password_reset(db.session, kind, form.email.data, ip=request.remote_addr,
                                        language=language())
        db.session.commit()
        return render_template("auth/password_reset_sent.html", base=base, address=form.email.data.strip())
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_reset.html", form=form, base=base, action=action), status


def invalid_link_page(*, base: str, again: str):
    """The one answer for an expired, used, forged or foreign link."""
    forget_link()
    return render_template("auth/link_invalid.html", base=base, again=again), 404


def new_password_page(kind: str, *, base: str, action: str, again: str, login: str):
    """The form the reset link leads to; on success, the login page (2FA still asked there)."""
    token = remembered_token(recovery.PURPOSE)
    try:
        recovery.check_reset_link(db.session, kind, token)
    except InvalidAccountLink:
        return invalid_link_page(base=base, again=again)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(db.session, kind, token, form.password.data, ip=request.remote_addr,
                                    language=language())
        except InvalidAccountLink:
            db.session.rollback()
            return invalid_link_page(base=base, again=again)
        except CredentialError as err:
            db.session.rollback()
            form.password.errors.append(error_message(err))
        else:
            db.session.commit()
            forget_link()
            flash(_("Your password was changed. Log in with the new password."), "info")
            return redirect(url_for(login), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_new.html", form=form, base=base, action=action), status


def register(bp, *, kind: str, base: str, login: str) -> None:
    """Add `/password/reset` and `/password/reset/new` to a blueprint (customers: auth, staff: staff).

    Each view gets its own name (`<kind>_password_reset...`): Flask-Limiter counts per view, so the customer and the
    staff pages never share a count."""
    prefix = bp.name

    def password_reset():
        """Ask for the address of the account; the same answer whether or not it is one."""
        return request_page(kind, base=base, action=url_for(f"{prefix}.password_reset"))

    def password_reset_new():
        """Set a new password with the link followed in this browser."""
        return new_password_page(kind, base=base, action=url_for(f"{prefix}.password_reset_new"),
                                 again=url_for(f"{prefix}.password_reset"), login=login)

    def by_address() -> str:
        return email_key(f"{kind}-reset-email")

    for view in (password_reset, password_reset_new):
        view.__name__ = view.__qualname__ = f"{kind}_{view.__name__}"
    ask = limiter.limit(REQUEST_LIMIT_PER_ADDRESS, methods=["POST"], key_func=by_address)(no_store(password_reset))
    ask = limiter.limit(REQUEST_LIMIT_PER_CLIENT, methods=["POST"])(ask)
    new = limiter.limit(NEW_PASSWORD_LIMIT, methods=["POST"])(no_store(password_reset_new))
    bp.add_url_rule("/password/reset", "password_reset", public(ask), methods=["GET", "POST"])
    bp.add_url_rule("/password/reset/new", "password_reset_new", public(new), methods=["GET", "POST"])

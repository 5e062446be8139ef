"""Customer login and logout."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.accounts.login_attempts import LoginDelayed, password_login
from hostico.accounts.signup import is_unverified
from hostico.auth import twofactor
from hostico.auth.blueprint import bp
from hostico.auth.forms import LoginForm
from hostico.auth.signup import remember_unconfirmed
from hostico.models import Customer
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.i18n import error_message
from hostico.web.login_session import end_session, start_session
from hostico.web.redirects import safe_next
from hostico.web.security import public


def finish_login(customer: Customer, next_url: str | None):
    """Complete a password login: a second factor if enabled, else a new session."""
    if customer.totp_enabled:
        db.session.commit()  # the client's count of wrong passwords for this address starts again
        return twofactor.begin_second_step(customer, next_url)
    start_session(customer)
    db.session.commit()
    return redirect(safe_next(next_url, url_for("client.dashboard")))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Show the login form and log the customer in."""
    next_url = request.values.get("next")
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "customer" and request.method == "GET":
        return redirect(safe_next(next_url, url_for("client.dashboard")))
    form = LoginForm()
    reason = request.args.get("reason")
    if form.validate_on_submit():
        # Wrong passwords delay this client for this address only (docs/accounts.md): never the owner's.
        try:
            customer = password_login(db.session, Customer, form.email.data, form.password.data,
                                      client=request.remote_addr)
        except LoginDelayed as err:
            form.password.errors.append(error_message(err))
            return render_template("auth/login.html", form=form, next=safe_next(next_url, ""), reason=reason), 429
        if customer is not None and is_unverified(customer):
            # The right password, but the address is not confirmed: only "confirm your email" (docs/accounts.md).
            db.session.commit()
            remember_unconfirmed(customer)
            return redirect(url_for("auth.signup_unconfirmed"), 303)
        if customer is not None:
            return finish_login(customer, next_url)
        db.session.commit()  # the count and the audit entry of the wrong password
        # One message for a wrong password and an unknown email: no account enumeration.
        form.password.errors.append(_("Wrong email or password."))
    elif request.method == "POST" and not form.errors:
        form.password.errors.append(_("Wrong email or password."))
    status = 200 if request.method == "GET" else 401 if form.errors else 200
    return render_template("auth/login.html", form=form, next=safe_next(next_url, ""), reason=reason), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out (POST with CSRF, so a third-party page cannot log the customer out)."""
    end_session()  # the server record is revoked: a copy of the cookie stops working too
    db.session.commit()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))

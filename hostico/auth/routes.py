"""Customer login and logout."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from hostico.accounts.passwords import verify_password
from hostico.auth import twofactor
from hostico.auth.blueprint import bp
from hostico.auth.forms import LoginForm
from hostico.models import Customer
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.login_session import end_session, start_session
from hostico.web.redirects import safe_next
from hostico.web.security import public


def _login_email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:254]


def finish_login(customer: Customer, next_url: str | None):
    """Complete a password login: a second factor if enabled, else a new session."""
    if customer.totp_enabled:
        return twofactor.begin_second_step(customer, next_url)
    start_session(customer)
    db.session.commit()
    return redirect(safe_next(next_url, url_for("client.dashboard")))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("10 per 5 minutes", methods=["POST"], key_func=_login_email_key)
def login():
    """Show the login form and log the customer in."""
    next_url = request.values.get("next")
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "customer" and request.method == "GET":
        return redirect(safe_next(next_url, url_for("client.dashboard")))
    form = LoginForm()
    reason = request.args.get("reason")
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        customer = db.session.scalar(select(Customer).where(func.lower(Customer.email) == email))
        if verify_password(customer.password_hash if customer else None, form.password.data) and customer:
            return finish_login(customer, next_url)
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

"""Opening an account: `/signup` (name, email, password, language; a honeypot field instead of a CAPTCHA), the
confirmation its email links to (`/a/<token>` → `/signup/confirm`), and the page an unconfirmed account sees at
login (`/signup/unconfirmed`, with a button for a new link). Rules: hostico.accounts.signup, docs/accounts.md."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.accounts import signup as accounts_signup
from hostico.accounts.link_tokens import InvalidAccountLink
from hostico.auth.blueprint import bp
from hostico.billing.errors import BillingError
from hostico.billing.orders import place_waiting_order
from hostico.models import Customer
from hostico.web import password_reset as links
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm
from hostico.web.i18n import error_message
from hostico.web.login_session import start_session
from hostico.web.security import no_store, public
from hostico.web.signup_form import open_account, signup_form

UNCONFIRMED_KEY = "signup_unconfirmed"  # the unconfirmed account that gave its password here: {"id", "at"}
UNCONFIRMED_SECONDS = 1800


def _email_key() -> str:
    return links.email_key("signup-email")


def remember_unconfirmed(customer: Customer) -> None:
    """Note in this browser's session that the password of an unconfirmed account was given here."""
    session[UNCONFIRMED_KEY] = {"id": customer.id, "at": int(time.time())}


def _unconfirmed() -> Customer | None:
    pending = session.get(UNCONFIRMED_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > UNCONFIRMED_SECONDS:
        return None
    customer = db.session.get(Customer, int(pending.get("id") or 0))
    return customer if customer is not None and accounts_signup.is_unverified(customer) else None


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per 15 minutes", methods=["POST"], key_func=_email_key)
@no_store
def signup():
    """Open an account; the same answer whether or not the address was free."""
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "customer":
        return redirect(url_for("client.dashboard"))
    form = signup_form()
    if form.validate_on_submit() and open_account(form):
        return render_template("auth/signup_sent.html", address=form.email.data.strip())
    status = 422 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/signup/confirm", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"])
@no_store
def signup_confirm():
    """Confirm the address with the link followed in this browser (a POST: scanners only follow links); log in."""
    token = links.remembered_token(accounts_signup.PURPOSE)
    form = EmptyForm()
    if request.method == "GET" or not form.validate_on_submit():
        try:
            accounts_signup.check_link(db.session, token)
            order = accounts_signup.waiting_order(db.session, token)
        except InvalidAccountLink:
            return links.invalid_link_page(base="base.html", again=url_for("auth.login"))
        return render_template("auth/signup_confirm.html", form=form, order=order)
    try:
        confirmed = accounts_signup.confirm(db.session, token, ip=request.remote_addr)
    except InvalidAccountLink:
        db.session.rollback()
        return links.invalid_link_page(base="base.html", again=url_for("auth.login"))
    links.forget_link()
    session.pop(UNCONFIRMED_KEY, None)
    start_session(confirmed.customer, fresh=False, via="signup")
    flash(_("Your email address is confirmed. Welcome to Hostico!"), "success")
    if confirmed.order is None:
        db.session.commit()
        return redirect(url_for("client.dashboard"), 303)
    # The order chosen as a visitor is placed now (docs/accounts.md, "Ordering as a visitor"); if it no longer can
    # be (the domain taken meanwhile, no BNR rate yet), the account stays confirmed and the order page says why.
    try:
        with db.session.begin_nested():
            _order, proforma = place_waiting_order(db.session, confirmed.customer, confirmed.order,
                                                   app_settings().billing, app_settings().today(),
                                                   ip=request.remote_addr)
    except BillingError as err:
        db.session.commit()
        flash(_("We could not place your order: %(reason)s Please order again.", reason=error_message(err)), "error")
        return redirect(url_for("client.order"), 303)
    db.session.commit()
    flash(_("Thank you! Your order is placed: pay proforma %(code)s to activate your hosting.", code=proforma.code),
          "success")
    return redirect(url_for("client.invoice", code=proforma.code), 303)


@bp.route("/signup/unconfirmed", methods=["GET", "POST"])
@public
@limiter.limit("5 per 15 minutes", methods=["POST"])
@no_store
def signup_unconfirmed():
    """What an unconfirmed account sees after its password: "confirm your email", and a button for a new link."""
    customer = _unconfirmed()
    if customer is None:
        return redirect(url_for("auth.login"))
    form = EmptyForm()
    if form.validate_on_submit():
        sent = accounts_signup.resend(db.session, customer, ip=request.remote_addr)
        db.session.commit()
        if sent:
            flash(_("We have emailed you a new link."), "info")
        else:
            flash(_("We have sent you several links in the last hour: use the newest, or try again later."), "error")
        return redirect(url_for("auth.signup_unconfirmed"), 303)
    return render_template("auth/signup_unconfirmed.html", form=form, address=customer.email)

"""Opening an account: `/signup` (name, email, password, language; a honeypot field instead of a CAPTCHA), the
confirmation its email links to (`/a/<token>` → `/signup/confirm`), and the page an unconfirmed account sees at
login (`/signup/unconfirmed`, with a button for a new link). Rules: hostico.accounts.signup, docs/accounts.md."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from hostico.accounts import signup as accounts_signup
from hostico.accounts.credentials import CredentialError
from hostico.accounts.link_tokens import InvalidAccountLink
from hostico.auth.blueprint import bp
from hostico.models import Customer
from hostico.web import password_reset as links
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm, Form
from hostico.web.i18n import error_message, language
from hostico.web.login_session import start_session
from hostico.web.security import no_store, public

UNCONFIRMED_KEY = "signup_unconfirmed"  # the unconfirmed account that gave its password here: {"id", "at"}
UNCONFIRMED_SECONDS = 1800
LANGUAGES = [SelectChoice("ro", "Română"), SelectChoice("en", "English")]


class SignupForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language of emails and invoices"), choices=LANGUAGES)
    # The honeypot: hidden from people (CSS, aria-hidden, no tab stop); a bot that fills every field is answered
    # as anyone else, and nothing is opened.
    website = StringField(_l("Leave this field empty"))


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


def signup_form(order: dict | None = None) -> SignupForm:
    form = SignupForm()
    if not form.is_submitted():
        form.language.data = language()
    return form


def open_account(form: SignupForm, order: dict | None = None) -> bool:
    """Ask the domain to open the account of a valid form (with an order waiting for it); False with field errors.

    A filled honeypot opens nothing and answers as a success would."""
    if form.website.data:
        return True
    try:
        accounts_signup.sign_up(db.session, name=form.name.data, email=form.email.data, password=form.password.data,
                                language=form.language.data, ip=request.remote_addr, order=order)
    except CredentialError as err:
        db.session.rollback()
        form.password.errors.append(error_message(err))
        return False
    except accounts_signup.SignupError as err:
        db.session.rollback()
        form.name.errors.append(error_message(err))
        return False
    db.session.commit()
    return True


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
        except InvalidAccountLink:
            return links.invalid_link_page(base="base.html", again=url_for("auth.login"))
        return render_template("auth/signup_confirm.html", form=form)
    try:
        confirmed = accounts_signup.confirm(db.session, token, ip=request.remote_addr)
    except InvalidAccountLink:
        db.session.rollback()
        return links.invalid_link_page(base="base.html", again=url_for("auth.login"))
    links.forget_link()
    session.pop(UNCONFIRMED_KEY, None)
    start_session(confirmed.customer, fresh=False, via="signup")
    db.session.commit()
    flash(_("Your email address is confirmed. Welcome to Hostico!"), "success")
    return redirect(url_for("client.dashboard"), 303)


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

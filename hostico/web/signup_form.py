"""The sign-up form and its one domain call, shared by /signup (auth) and the visitor's order (client)."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from hostico.accounts import signup as accounts_signup
from hostico.accounts.credentials import CredentialError
from hostico.web.database import db
from hostico.web.forms import Form
from hostico.web.i18n import error_message, language

LANGUAGES = [SelectChoice("ro", "Română"), SelectChoice("en", "English")]


class SignupForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language of emails and invoices"), choices=LANGUAGES)
    # The honeypot: hidden from people (CSS, aria-hidden, no tab stop); a bot that fills every field is answered
    # as anyone else, and nothing is opened.
    website = StringField(_l("Leave this field empty"))


def signup_form(prefix: str = "") -> SignupForm:
    """The form, its language preset to the page's."""
    form = SignupForm(prefix=prefix)
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

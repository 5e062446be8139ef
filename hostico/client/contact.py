"""My Details — contact data (name, email) and the mobile number with the SMS opt-in.

Both forms post to their own URL: with htmx the section is swapped in place (422 with the errors
when invalid); without JavaScript the POST answers with a 303 redirect back to My Details. Changing
the email or the mobile number in a session that is not fresh (a mail-link login, or a password login
more than HOSTICO_FRESH_MINUTES ago) asks for the password (accounts.stepup). A new email address takes
effect when the link sent to it is opened (accounts.email_change).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional

from hostico.accounts import contact_details, email_change
from hostico.client import my_details
from hostico.client.blueprint import bp
from hostico.models import Customer
from hostico.notify.phone import PhoneError, display_number, parse_mobile
from hostico.notify.preferences import set_sms_preference
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.forms import EmptyForm, Form
from hostico.web.htmx import is_htmx
from hostico.web.i18n import error_message
from hostico.web.login_session import is_fresh, needs_password, start_session, step_up
from hostico.web.security import no_store


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)])


class SmsForm(Form):
    phone = TelField(_l("Mobile number"), validators=[Length(max=40)])
    sms_opt_in = BooleanField(_l("Send me SMS notifications"))
    password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)])


def _customer() -> Customer:
    return db.session.get(Customer, current_user.id)


def context(contact_form: ContactForm | None = None, sms_form: SmsForm | None = None, **extra) -> dict:
    """Data the contact section of My Details needs."""
    customer = current_user
    if contact_form is None:
        contact_form = ContactForm(formdata=None, name=customer.name, email=customer.email)
    if sms_form is None:
        sms_form = SmsForm(formdata=None, phone=display_number(customer.phone_e164), sms_opt_in=customer.sms_opt_in)
    return {"contact_form": contact_form, "sms_form": sms_form, "needs_password": needs_password(),
            "fresh_minutes": app_settings().accounts.fresh_minutes,
            "phone_display": display_number(customer.phone_e164), "sms_sender_name": app_settings().notify.sms_sender,
            "sms_hours": app_settings().notify.sms_hours, **extra}


@my_details.section("contact")
def _page_section(forms: dict) -> dict:
    return context(forms.get("contact_form"), forms.get("sms_form"))


def _respond(status_message: str | None, *, contact_form=None, sms_form=None, invalid: bool = False):
    """Answer htmx with the section, a plain POST with a redirect (or the whole page when invalid)."""
    db.session.expire_all()
    if is_htmx():
        ctx = context(contact_form, sms_form, status_message=status_message)
        return render_template("client/_contact.html", customer=_customer(), **ctx), 422 if invalid else 200
    if not invalid:
        flash(status_message, "success")
        return redirect(url_for("client.my_details") + "#contact", code=303)
    return my_details.render_page(422, customer=_customer(), contact_form=contact_form, sms_form=sms_form)


def _password_ok(form: Form, purpose: str, *, always: bool = False) -> bool:
    """True when the session is fresh (unless `always`) or the password given confirms it (the step-up:
    audited, throttled); adds the field error otherwise."""
    if not always and not needs_password():
        return True
    problem = (step_up(form.password.data, purpose=purpose) if form.password.data
               else _("Enter your current password to change your email or mobile number."))
    if problem is None:
        return True
    form.password.errors = list(form.password.errors) + [problem]
    return False


@bp.route("/my-details/contact", methods=["POST"])
def contact_update():
    """Save the customer's name; a new email address is confirmed from its mailbox first.

    The answer never says whether the address belongs to another account (docs/accounts.md): the
    password is checked first (when the session is not fresh), then every request gets the same
    message, and the new address receives either the confirmation link or a note that it is taken.
    """
    form = ContactForm()
    customer = _customer()
    if not form.validate():
        return _respond(None, contact_form=form, invalid=True)
    name, email = form.name.data.strip(), form.email.data.strip().lower()
    if not name:
        form.name.errors = [_("Enter your name.")]
        return _respond(None, contact_form=form, invalid=True)
    email_changed = email != customer.email.lower()
    # Always the password, fresh session or not: the email address receives the login links, so a copied
    # cookie must not be enough to move it to another mailbox.
    if email_changed and not _password_ok(form, "email_change", always=True):
        return _respond(None, contact_form=form, invalid=True)
    messages = []
    if email_changed:
        try:
            email_change.request_email_change(db.session, customer, email, secret_key=app_settings().secret_key,
                                              ip=request.remote_addr)
        except email_change.TooManyRequests as err:
            form.email.errors = [error_message(err)]
            return _respond(None, contact_form=form, invalid=True)
        messages.append(_("We sent a confirmation link to %(email)s. Your email address changes when you open it "
                          "(within %(hours)d hours).", email=email, hours=email_change.CONFIRM_HOURS))
    if contact_details.change_name(db.session, customer, name, ip=request.remote_addr):
        messages.insert(0, _("Your name was saved."))
    db.session.commit()
    return _respond(" ".join(messages) or _("Nothing changed."))


@bp.route("/my-details/email/confirm/<token>")
@no_store
def email_confirm_page(token: str):
    """Ask to confirm the new email address of a link sent to it (the change itself is a POST)."""
    try:
        new_email = email_change.read_confirmation(current_user, token, secret_key=app_settings().secret_key)
    except email_change.ForeignConfirmation:
        abort(404)
    except email_change.EmailChangeError as err:
        return render_template("client/email_confirm.html", error=error_message(err), form=None), 400
    return render_template("client/email_confirm.html", new_email=new_email, token=token, form=EmptyForm(), error=None)


@bp.route("/my-details/email/confirm", methods=["POST"])
@no_store
def email_confirm():
    """Change the email address as the confirmation link asks; other sessions and mail links end."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("client/email_confirm.html", error=_("The form expired. Open the link again."),
                               form=None), 400
    customer = _customer()
    fresh = is_fresh()
    try:
        new_email = email_change.confirm_email_change(db.session, customer, request.form.get("token", ""),
                                                      secret_key=app_settings().secret_key, ip=request.remote_addr)
    except email_change.ForeignConfirmation:
        abort(404)
    except email_change.EmailChangeError as err:
        db.session.rollback()
        return render_template("client/email_confirm.html", error=error_message(err), form=None), 400
    start_session(customer, fresh=fresh)  # every session ended: this browser goes on in a new one
    db.session.commit()
    flash(_("Your email address is now %(email)s. Your other devices were logged out.", email=new_email), "success")
    return redirect(url_for("client.my_details") + "#contact", code=303)


@bp.route("/my-details/sms", methods=["POST"])
def sms_update():
    """Save the mobile number and turn SMS notifications on or off."""
    form = SmsForm()
    customer = _customer()
    if not form.validate():
        return _respond(None, sms_form=form, invalid=True)
    opt_in = bool(form.sms_opt_in.data)
    phone: str | None = None
    try:
        phone = parse_mobile(form.phone.data)
    except PhoneError as exc:
        if exc.reason != "empty":
            form.phone.errors = [_("This is a landline number; SMS need a mobile number.") if exc.reason == "not_mobile"
                                 else _("Enter a valid mobile number, for example 0722 123 456 or +40 722 123 456.")]
        elif opt_in:
            form.phone.errors = [_("Enter your mobile number to receive SMS notifications.")]
        if form.phone.errors:
            return _respond(None, sms_form=form, invalid=True)
    if phone != customer.phone_e164 and not _password_ok(form, "mobile_change"):
        return _respond(None, sms_form=form, invalid=True)
    changes = set_sms_preference(db.session, customer, opt_in=opt_in, phone_e164=phone, ip=request.remote_addr)
    db.session.commit()
    if not changes:
        message = _("Nothing changed.")
    elif "sms_opt_in" in changes:
        message = _("SMS notifications are on for %(number)s.", number=display_number(phone)) if opt_in \
            else _("SMS notifications are off. Messages not yet sent were cancelled.")
    else:
        message = _("Your mobile number was saved.")
    return _respond(message)

"""My Details — security: change the password, turn TOTP two-factor authentication on and off.

A session that is not fresh (opened by a mail link) must confirm the password before any of these.
The rules live in accounts.credentials (the views here only read forms and render); a change that
ends the customer's other sessions keeps this browser logged in with a brand-new session.
"""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from hostico.accounts import credentials, second_factor, stepup
from hostico.accounts.credentials import MIN_PASSWORD
from hostico.client import my_details
from hostico.client.blueprint import bp
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm, Form
from hostico.web.i18n import error_message
from hostico.web.login_session import after_step_up, needs_password, start_session, step_up, step_up_args
from hostico.web.security import no_store

SECURITY_LIMIT = "10 per 10 minutes"


class ConfirmPasswordForm(Form):
    confirm_password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD))])
    new_password_repeat = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])


class EnableTOTPForm(Form):
    # Always asked, fresh session or not: a copied cookie must not be enough to put a second factor
    # of the attacker's on the account (docs/accounts.md).
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code from your app"), validators=[DataRequired(), Length(max=16)])


class DisableTOTPForm(Form):
    disable_password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    disable_code = StringField(_l("Code from your app, or a recovery code"),
                               validators=[DataRequired(), Length(max=32)])


class RegenerateCodesForm(Form):
    regen_code = StringField(_l("Code from your app"), validators=[DataRequired(), Length(max=16)])


@my_details.section("security")
def context(forms: dict) -> dict:
    """Data the security section of My Details needs (forms carrying errors when re-rendered)."""
    return {
        "security_needs_password": needs_password(),
        "fresh_minutes": app_settings().accounts.fresh_minutes,
        "security_recovery_left": (second_factor.remaining_recovery_codes(db.session, current_user)
                                   if current_user.totp_enabled else 0),
        "confirm_form": forms.get("confirm") or ConfirmPasswordForm(formdata=None),
        "password_form": forms.get("password") or ChangePasswordForm(formdata=None),
        "disable_form": forms.get("disable") or DisableTOTPForm(formdata=None),
        "regen_form": forms.get("regen") or RegenerateCodesForm(formdata=None),
        "setup_form": EmptyForm(formdata=None),
    }


def _my_details(**forms):
    """Re-render My Details with a section form that carries errors (nothing was changed)."""
    page, _status = my_details.render_page(**forms)
    return page


def _section_url() -> str:
    return url_for("client.my_details", _anchor="security")


def fresh_required(view):
    """Refuse a sensitive change until a non-fresh session (opened by a mail link) confirms the password."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if needs_password():
            flash(_("For your security, confirm your password first."), "error")
            return redirect(_section_url(), 303)
        return view(*args, **kwargs)
    return wrapper


def _per_customer() -> str:
    return f"security:{getattr(current_user, 'id', None) or request.remote_addr}"


def _renew_session(customer) -> None:
    """Keep this browser logged in with a new session after credentials ended all the others."""
    start_session(customer, fresh=True, via="renewed")


@bp.route("/my-details/security/confirm", methods=["POST"])
@limiter.limit(SECURITY_LIMIT, key_func=_per_customer)
def security_confirm():
    """Confirm the password (step-up), which makes the session fresh for HOSTICO_FRESH_MINUTES."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        problem = step_up(form.confirm_password.data, purpose="confirm")
        if problem is None:
            db.session.commit()
            flash(_("Password confirmed."), "success")
            return redirect(_section_url(), 303)
        form.confirm_password.errors.append(problem)
    return _my_details(confirm=form)


@bp.route("/my-details/password", methods=["POST"])
@fresh_required
@limiter.limit(SECURITY_LIMIT, key_func=_per_customer)
def change_password():
    """Change the password: the current one, the new one twice."""
    form = ChangePasswordForm()
    customer = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            credentials.change_password(db.session, customer, form.current_password.data, form.new_password.data,
                                        **step_up_args())
        except stepup.StepUpError as err:
            form.current_password.errors.append(after_step_up(err))
        except (credentials.SamePassword, credentials.PasswordTooShort) as err:
            form.new_password.errors.append(error_message(err))
        else:
            _renew_session(customer)
            db.session.commit()
            flash(_("Your password was changed. Other devices were logged out."), "success")
            return redirect(_section_url(), 303)
    return _my_details(password=form)


@bp.route("/my-details/2fa/setup", methods=["POST"])
@fresh_required
def totp_setup_start():
    """Create a new TOTP secret (not yet active) and show it for scanning."""
    customer = current_user._get_current_object()
    if customer.totp_enabled:
        return redirect(_section_url(), 303)
    credentials.start_second_factor_setup(db.session, customer, ip=request.remote_addr)
    db.session.commit()
    return redirect(url_for("client.totp_setup"), 303)


def _render_setup(form: EnableTOTPForm, status: int = 200):
    customer = current_user
    uri = second_factor.provisioning_uri(customer.totp_secret, customer.email)
    return render_template("client/totp_setup.html", form=form, secret=customer.totp_secret,
                           qr=second_factor.qr_data_uri(uri), uri=uri), status


@bp.route("/my-details/2fa/setup")
@fresh_required
@no_store
def totp_setup():
    """Show the QR code and the secret in text, and ask for a code to confirm."""
    if current_user.totp_enabled or not current_user.totp_secret:
        return redirect(_section_url(), 303)
    return _render_setup(EnableTOTPForm(formdata=None))


@bp.route("/my-details/2fa/enable", methods=["POST"])
@fresh_required
@no_store
@limiter.limit("20 per 10 minutes", key_func=_per_customer)
def totp_enable():
    """Turn 2FA on once a code from the app proves the secret was saved; show the recovery codes once."""
    customer = current_user._get_current_object()
    if customer.totp_enabled or not customer.totp_secret:
        return redirect(_section_url(), 303)
    form = EnableTOTPForm()
    if form.validate_on_submit():
        try:
            codes = credentials.enable_second_factor(db.session, customer, form.code.data, password=form.password.data,
                                                     **step_up_args())
        except stepup.StepUpError as err:
            form.password.errors.append(after_step_up(err))
        except second_factor.SecondFactorError as err:
            db.session.commit()  # the account's count of wrong codes
            form.code.errors.append(error_message(err) if isinstance(err, second_factor.TooManyAttempts) else
                                    _("That code is not right. Check the time on your phone and try the next code."))
        else:
            _renew_session(customer)
            db.session.commit()
            return render_template("client/recovery_codes.html", codes=codes)
    return _render_setup(form)


@bp.route("/my-details/2fa/disable", methods=["POST"])
@fresh_required
@limiter.limit(SECURITY_LIMIT, key_func=_per_customer)
def totp_disable():
    """Turn 2FA off: needs the password and a current code (or a recovery code)."""
    customer = current_user._get_current_object()
    if not customer.totp_enabled:
        return redirect(_section_url(), 303)
    form = DisableTOTPForm()
    if form.validate_on_submit():
        try:
            credentials.disable_second_factor(db.session, customer, form.disable_password.data,
                                              form.disable_code.data, **step_up_args())
        except stepup.StepUpError as err:
            form.disable_password.errors.append(after_step_up(err))
        except second_factor.SecondFactorError as err:
            db.session.commit()  # the account's count of wrong codes
            form.disable_code.errors.append(error_message(err))
        else:
            _renew_session(customer)
            db.session.commit()
            flash(_("Two-factor authentication is off."), "success")
            return redirect(_section_url(), 303)
    return _my_details(disable=form)


@bp.route("/my-details/2fa/recovery-codes", methods=["POST"])
@fresh_required
@no_store
@limiter.limit(SECURITY_LIMIT, key_func=_per_customer)
def totp_new_recovery_codes():
    """Replace the recovery codes (a current code from the app is needed) and show the new ones once."""
    customer = current_user._get_current_object()
    if not customer.totp_enabled:
        return redirect(_section_url(), 303)
    form = RegenerateCodesForm()
    if form.validate_on_submit():
        try:
            codes = credentials.replace_recovery_codes(db.session, customer, form.regen_code.data,
                                                       ip=request.remote_addr)
        except second_factor.SecondFactorError as err:
            db.session.commit()  # the account's count of wrong codes
            form.regen_code.errors.append(error_message(err))
        else:
            db.session.commit()
            return render_template("client/recovery_codes.html", codes=codes, replaced=True)
    return _my_details(regen=form)

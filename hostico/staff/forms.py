"""Forms of the staff area (each carries flask-wtf's CSRF token)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from stdnum.ro import cui as ro_cui
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, StopValidation, ValidationError

from hostico.billing.buyers.validation import validate_buyer
from hostico.efactura import counties
from hostico.models.payment import MAX_PAYMENT
from hostico.web.forms import Form
from hostico.web.i18n import translate_message


def money(form, field) -> None:
    """Refuse NaN, infinities and more than two decimals before any range check compares them."""
    value = field.data
    if value is None:
        return
    try:
        exact = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except InvalidOperation:  # more digits than any amount has
        exact = False
    if not exact:
        field.errors[:] = []
        raise StopValidation(_l("Enter an amount such as 120.50."))


SUSPENSION_REASONS = [SelectChoice("abuse", _l("Abuse")), SelectChoice("nonpayment", _l("Nonpayment")),
                      SelectChoice("other", _l("Other"))]


class StaffLoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class NewCustomerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language"), choices=[SelectChoice("ro", "Română"), SelectChoice("en", "English")])


class TotpForm(Form):
    code = StringField(_l("Authentication code"), validators=[DataRequired(), Length(max=12)])


class SuspendForm(Form):
    """Suspend a service: the reason is a deliberate choice (no default), then a confirmation step."""

    reason = SelectField(_l("Reason"), choices=[SelectChoice("", _l("— choose a reason —")), *SUSPENSION_REASONS],
                         default="", validators=[DataRequired(_l("Choose why the service is suspended."))])
    note = TextAreaField(_l("Staff note (the customer does not see it)"), validators=[Optional(), Length(max=1000)])


class TerminateForm(Form):
    """Terminate a service: the view asks for confirmation before it acts (hostico/web/confirm.py)."""


class ReasonForm(Form):
    """Cancel a proforma: the reason goes into the history, for staff only."""

    reason = StringField(_l("Reason (staff only)"), validators=[DataRequired(), Length(max=300)])


class NonceForm(Form):
    """A button whose repeated submission counts once (resend an email)."""

    nonce = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[DataRequired(), Length(max=60)])


class ProformaForm(Form):
    services = SelectMultipleField(_l("Services"), coerce=int, validate_choice=True)
    profile = SelectField(_l("Billing profile"), coerce=int)
    description = StringField(_l("Other line: description"), validators=[Optional(), Length(max=300)])
    amount = DecimalField(_l("Other line: net amount"), places=2,
                          validators=[Optional(), money, NumberRange(min=Decimal("0.01"), max=Decimal("1000000"))])

    def validate(self, extra_validators=None) -> bool:
        """Also require the other line's description and amount together (Optional() skips inline checks)."""
        ok = super().validate(extra_validators)
        if bool((self.description.data or "").strip()) != (self.amount.data is not None) and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, _l("Give both a description and an amount for the other line.")]
            ok = False
        return ok


class PaymentForm(Form):
    amount = DecimalField(_l("Amount received"), places=2,
                          validators=[DataRequired(), money, NumberRange(min=Decimal("0.01"), max=MAX_PAYMENT)])
    received_on = DateField(_l("Date the money arrived"), validators=[Optional()])  # empty: today
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=120)])
    payer = SelectField(_l("Issue the tax invoice on"), default="")
    payer_name = StringField(_l("Payer: name or company name"), validators=[Optional(), Length(max=200)])
    payer_cui = StringField(_l("Payer: CUI (companies)"), validators=[Optional(), Length(max=20)])
    payer_vat_number = StringField(_l("Payer: EU VAT number (companies in other EU states)"),
                                   validators=[Optional(), Length(max=20)])
    payer_address = StringField(_l("Payer: address"), validators=[Optional(), Length(max=300)])
    payer_city = StringField(_l("Payer: city"), validators=[Optional(), Length(max=100)])
    payer_county = SelectField(_l("Payer: county (județ, in Romania)"), default="", validate_choice=False)
    payer_sector = SelectField(_l("Payer: sector (Bucharest only)"), default="", validate_choice=False)
    payer_postal_code = StringField(_l("Payer: postal code"), validators=[Optional(), Length(max=20)])
    payer_country = StringField(_l("Payer: country (2 letters)"), default="RO", validators=[Optional(), Length(max=2)])
    key = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[DataRequired(), Length(max=60)])
    # More than is left to pay is refused unless staff confirm that the excess is the customer's credit
    # (docs/payments.md, "Customer credit balance"): a typo never credits a fortune.
    excess_to_credit = BooleanField(_l("More than is left to pay: the excess becomes the customer's credit balance"))

    # Where validate_buyer's findings about another payer are shown.
    _PAYER_FIELDS = {"kind": "payer_name", "name": "payer_name", "company_name": "payer_name", "cui": "payer_cui",
                     "vat_number": "payer_vat_number", "address": "payer_address", "city": "payer_city",
                     "county": "payer_county", "sector": "payer_sector", "postal_code": "payer_postal_code",
                     "country": "payer_country"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.payer_county.choices = [SelectChoice("", _l("— choose (required in Romania) —")),
                                     *[SelectChoice(code, name) for code, name in counties.counties().items()]]
        self.payer_sector.choices = [SelectChoice("", "—"), *[SelectChoice(sector, counties.sector_label(sector))
                                                               for sector in counties.SECTORS]]
        self._payer: dict | None = None

    def validate(self, extra_validators=None) -> bool:
        """Check another payer's data when staff chose one (Optional() fields skip inline checks): the same
        checks as a customer's billing data (county from the list in Romania, so e-Factura accepts it)."""
        ok = super().validate(extra_validators)
        if self.payer.data != "other":
            return ok
        required = ((self.payer_name, _l("Enter the payer's name.")),
                    (self.payer_address, _l("Enter the payer's address.")),
                    (self.payer_city, _l("Enter the payer's city.")))
        for f, message in required:
            if not (f.data or "").strip():
                f.errors = [*f.errors, message]
                ok = False
        country = (self.payer_country.data or "").strip().upper()
        if not (country.isalpha() and len(country) == 2):
            self.payer_country.errors = [*self.payer_country.errors, _l("Use the two-letter country code, e.g. RO.")]
            ok = False
        if country == "RO" and counties.to_code(self.payer_county.data) is None:
            self.payer_county.errors = [*self.payer_county.errors, _l("Choose the payer's county.")]
            ok = False
        elif (country == "RO" and counties.to_code(self.payer_county.data) == counties.BUCHAREST
              and counties.sector_of(self.payer_city.data) is None):
            self.payer_city.errors = [*self.payer_city.errors, _l("In Bucharest, enter the sector as the city, e.g."
                                                                  " Sector 3.")]
            ok = False
        if country == "RO" and counties.to_code(self.payer_county.data) is None:
            self.payer_county.errors = [*self.payer_county.errors, _l("Choose the payer's county.")]
            ok = False
        cui = (self.payer_cui.data or "").strip().upper().removeprefix("RO")
        if cui and country == "RO" and not ro_cui.is_valid(cui):
            self.payer_cui.errors = [*self.payer_cui.errors, _l("This CUI is not valid (check digit).")]
            ok = False
        result = validate_buyer(self._payer_raw())
        for name, message in result.errors.items():
            target = getattr(self, self._PAYER_FIELDS.get(name, "payer_name"))
            if not target.errors:
                target.errors = [*target.errors, translate_message(message)]
            ok = False
        self._payer = result.data if result.ok else None
        return ok

    def _payer_raw(self) -> dict:
        cui = (self.payer_cui.data or "").strip()
        vat = (self.payer_vat_number.data or "").strip()
        name = (self.payer_name.data or "").strip()
        company = bool(cui or vat)
        return {"kind": "company" if company else "person", "name": "" if company else name,
                "company_name": name if company else "", "cui": cui, "vat_number": vat,
                "address": self.payer_address.data or "", "city": self.payer_city.data or "",
                "county": self.payer_county.data or "", "sector": self.payer_sector.data or "",
                "postal_code": self.payer_postal_code.data or "", "country": (self.payer_country.data or "").upper()}

    def other_payer(self) -> dict:
        """Return the buyer snapshot of a payer typed in by staff (validated like a customer's billing data)."""
        if self._payer is None:
            raise ValueError("other_payer() after a successful validate()")
        return dict(self._payer)


class CreditNoteForm(Form):
    """Credit chosen lines, an amount (VAT included), or, with neither, everything still uncredited."""

    reason = StringField(_l("Reason (staff only)"), validators=[DataRequired(), Length(max=300)])
    lines = SelectMultipleField(_l("Lines to reverse"), coerce=int, validate_choice=True)
    amount = DecimalField(_l("Or an amount, VAT included"), places=2,
                          validators=[Optional(), money, NumberRange(min=Decimal("0.01"), max=MAX_PAYMENT)])

    def validate(self, extra_validators=None) -> bool:
        """Refuse lines and an amount together (one correction at a time)."""
        ok = super().validate(extra_validators)
        if self.lines.data and self.amount.data is not None:
            self.amount.errors = [*self.amount.errors, _l("Choose lines or an amount, not both.")]
            ok = False
        return ok


class ReissueForm(Form):
    """Issue the corrected tax invoice of a fully credited sale."""

    reason = StringField(_l("What was wrong"), validators=[DataRequired(), Length(max=300)])
    payer = SelectField(_l("Issue the corrected invoice on"), default="")


class BillingRunForm(Form):
    today = DateField(_l("Run for the date"), validators=[DataRequired()], default=dt.date.today)
    confirm = BooleanField(_l("I understand this issues proformas, reminders and suspensions now"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])

    def validate_today(self, field):
        if field.data and abs((field.data - dt.date.today()).days) > 366:
            raise ValidationError(_l("Choose a date within a year of today."))

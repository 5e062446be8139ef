"""Forms of the bank-statement pages (each carries flask-wtf's CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from hostico.web.forms import Form


class StatementUploadForm(Form):
    statement = FileField(_l("Statement file (CAMT.053 XML or MT940)"),
                          validators=[FileRequired(_l("Choose a statement file."))])


class MatchLineForm(Form):
    proforma = StringField(_l("Proforma number"), validators=[DataRequired(_l("Enter a proforma number.")),
                                                              Length(max=40)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])


class DismissLineForm(Form):
    note = StringField(_l("Why is it dismissed?"),
                       validators=[DataRequired(_l("Say why the line is dismissed.")), Length(max=1000)])


class CreditLineForm(Form):
    customer = StringField(_l("Customer (email or number)"),
                           validators=[DataRequired(_l("Enter the customer's email or number.")), Length(max=254)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])

"""The base of every form: flask-wtf's CSRF, and no control characters in any text a person saves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation

from hostico.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters


def clean_text(form, field) -> None:
    """Refuse a value with control characters (a textarea may hold tab and newlines)."""
    if isinstance(field.data, str) and has_control_characters(field.data,
                                                              multiline=isinstance(field, TextAreaField)):
        raise StopValidation(_l(CONTROL_CHARACTERS_MESSAGE))


class Form(FlaskForm):
    """Every form of the app derives from this one (a test walks them), so every text field is clean."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).insert(0, clean_text)
        return super().validate(extra)


class EmptyForm(Form):
    """Carries only the CSRF token, for POST buttons (logout, toggles)."""

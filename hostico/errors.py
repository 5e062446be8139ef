"""Typed errors that the web layer can translate: a stable code, an English message template, its parameters.

The domain (billing, notify, accounts, efactura, payments) stays Flask-free: it raises
`SomeError("code", N_("Proforma %(number)s is already paid."), number=invoice.code)`; `str(err)` is the English
text (logs, CLI), and a view shows `hostico.web.i18n.error_message(err)`, the template translated into the
request's language with the parameters filled in. Mark the template with N_ so the catalogue picks it up.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional extraction marker (pybabel extracts N_)
    """Mark a string for translation without translating it yet."""
    return message


class Msg(str):
    """A parameter that is itself a message (a status, a reason): translated along with its sentence."""


def state_param(status: str | None) -> Msg:
    """A state word (unpaid, paid, suspended, ...) or a suspension reason as a parameter of a domain error,
    translated with its sentence (not to be confused with hostico.web.i18n.status_label, which translates now)."""
    return Msg(_REASONS.get(status or "", status or ""))


_REASONS = {"nonpayment": N_("unpaid invoice"), "abuse": N_("abuse"), "other": N_("other reasons")}


class FieldMessage(str):
    """A message for a form field, from a Flask-free validator: the English text (str), its template and params.

    `FieldMessage(N_("At most %(limit)s characters."), limit=50)` reads "At most 50 characters." wherever a string
    is expected; the web layer shows it translated (`hostico.web.i18n.translate_message`, the `tr` template filter).
    """

    template: str
    params: dict

    def __new__(cls, template: str, /, **params: object) -> FieldMessage:
        self = super().__new__(cls, template % params if params else template)
        self.template, self.params = template, params
        return self


class TranslatableError(Exception):
    """An error whose message a person reads: code + English template + parameters."""

    code: str = "error"
    template: str = ""

    def __init__(self, code: str | None = None, template: str | None = None, /, **params: object) -> None:
        if code is not None:
            self.code = code
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.code)

    def __str__(self) -> str:
        template = self.template or self.code
        return template % self.params if self.params else template

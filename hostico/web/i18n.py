"""The web layer's translations, amounts and dates in the request's language (which language a request speaks:
hostico/web/request_language.py).

Only public APIs: the request's language is Flask-Babel's `get_locale()` (so `force_locale()` and
`refresh()` are honoured), chosen by `select_locale`. A template asks for it once per render — a context
processor puts it in the template context as `_lang` — and its `_()`, money, date and label filters are
Jinja `pass_context` functions that read it from there and use the compiled catalogue of that language
(hostico.locales, the same .mo files Flask-Babel reads). Going through Flask-Babel's `gettext` instead
costs two context-proxy lookups per message (get_domain, get_locale): about 120 per My Invoices page, a
quarter of its time. Labels repeated on every row come from maps translated once per language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from babel.support import NullTranslations
from flask import Flask
from flask_babel import format_datetime, get_locale, to_user_timezone
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from hostico import locales
from hostico.caches import remember
from hostico.errors import N_, FieldMessage, Msg, TranslatableError
from hostico.locales import LANGUAGE_NAMES, SUPPORTED_LOCALES
from hostico.web.audit_words import AUDIT_ACTIONS
from hostico.web.request_language import lang_url, language, remember_locale, select_locale

__all__ = ["N_", "SUPPORTED_LOCALES", "error_message", "labels", "money", "date", "select_locale"]

# The request's language (hostico/web/request_language.py): what every page here reads it through.


def _lang(ctx: Context) -> str:
    """Return the language a template renders in: `_lang` of its context, else the request's."""
    lang = ctx.get("_lang")
    return lang if lang is not None else language()


# The template callables: Jinja's newstyle gettext fills in the %(variables)s itself, so these only translate.
@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return locales.translations(_lang(ctx)).ugettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, num: int) -> str:
    return locales.translations(_lang(ctx)).ungettext(singular, plural, num)


@pass_context
def _pgettext(ctx: Context, context: str, message: str) -> str:
    return locales.translations(_lang(ctx)).upgettext(context, message)


@pass_context
def _npgettext(ctx: Context, context: str, singular: str, plural: str, num: int) -> str:
    return locales.translations(_lang(ctx)).unpgettext(context, singular, plural, num)


def error_message(err: Exception) -> str:
    """Return a typed error's message in the request's language (its English text if it has no template)."""
    template, params = getattr(err, "template", None), getattr(err, "params", None)
    if isinstance(err, TranslatableError) or (isinstance(template, str) and isinstance(params, dict)):
        if template:
            catalogue = locales.translations(language())
            text = catalogue.ugettext(template)
            if not params:
                return text
            # A parameter that is itself a message (a status, a reason) is said in the same language.
            return text % {name: catalogue.ugettext(value) if isinstance(value, Msg) else value
                           for name, value in params.items()}
    return str(err)


def translate_message(message: object) -> str:
    """Return a validator's message in the request's language: a FieldMessage (template and parameters) or a Msg;
    any other text (already translated) as it is."""
    if isinstance(message, FieldMessage):
        catalogue = locales.translations(language())
        params = {k: catalogue.ugettext(v) if isinstance(v, Msg) else v for k, v in message.params.items()}
        text = catalogue.ugettext(message.template)
        return text % params if params else text
    if isinstance(message, Msg):
        return locales.translations(language()).ugettext(message)
    return message if isinstance(message, str) else str(message)


STATUS_LABELS = {
    "unpaid": N_("unpaid"), "partly_paid": N_("partly paid"), "paid": N_("paid"), "cancelled": N_("cancelled"),
    "issued": N_("issued"), "overdue": N_("past due"), "credited": N_("credited"),
    "partly_credited": N_("partly credited"),
    "active": N_("active"), "pending": N_("pending"), "suspended": N_("suspended"),
    "terminated": N_("terminated"), "sent": N_("sent"), "dead": N_("dead"), "sending": N_("sending"),
    "approved": N_("approved"), "rejected": N_("rejected"),
    "delivered": N_("delivered"), "failed": N_("failed"), "undelivered": N_("undelivered"),
}
# The notices of a service's suspension timeline on the staff customer page (docs/sms.md, Delivery receipts).
NOTICES = {"suspension": N_("suspension notice"), "suspension_sms_failed": N_("notice that the SMS did not arrive"),
           "unsuspension": N_("reactivation notice")}
ACTORS = {"customer": N_("customer"), "staff": N_("staff"), "system": N_("system"),
          "anonymous": N_("not logged in")}
BUYER_KINDS = {"person": N_("person"), "company": N_("legal entity")}
ORIGINS = {"order": N_("order"), "system": N_("system"), "manual": N_("staff")}
OBJECT_TYPES = {"Customer": N_("Customer"), "Payment": N_("Payment"), "Invoice": N_("Invoice"),
                "Service": N_("Service"), "BillingProfile": N_("Billing profile"), "StaffUser": N_("Staff"),
                "MailLoginToken": N_("Mail-login link")}
INVOICE_KINDS = {"proforma": N_("Proforma"), "tax": N_("Tax invoice"), "credit_note": N_("Credit note")}
CYCLES = {"monthly": N_("Monthly"), "quarterly": N_("Quarterly"), "semiannual": N_("Every 6 months"),
          "annual": N_("Yearly")}
SUSPENSION_REASONS = {"nonpayment": N_("unpaid invoice"), "abuse": N_("abuse"), "other": N_("other reasons")}
# Column names and actions of one row of My Invoices (also the data-label of each cell on small screens).
INVOICE_ROW = {
    "number": N_("Number"), "kind": N_("Kind"), "date": N_("Date"), "due_date": N_("Due date"),
    "billed_to": N_("Billed to"), "total": N_("Total"), "status": N_("Status"), "actions": N_("Actions"),
    "cui": N_("CUI"), "reverse_charge": N_("reverse charge"), "view": N_("View"), "pdf": N_("PDF"),
    "pay": N_("Pay"), "edit": N_("Edit"), "select": N_("Select to pay"), "tax_invoice": N_("Tax invoice"),
}
PAYMENT_METHODS = {"card": N_("card"), "bank_transfer": N_("bank transfer"), "credit": N_("credit balance")}
# Why a customer's credit balance moved (hostico.models.credit; docs/payments.md, "Customer credit balance").
CREDIT_REASONS = {"overpayment": N_("paid more than was due"), "second_charge": N_("card charged again"),
                  "bank_credit": N_("bank credit assigned by staff"), "applied": N_("applied to a proforma"),
                  "refund_card": N_("refunded to the card"), "refund_bank": N_("refunded by bank transfer")}
LABEL_MAPS: dict[str, dict[str, str]] = {"status": STATUS_LABELS, "invoice_kind": INVOICE_KINDS,
                                         "invoice_row": INVOICE_ROW, "suspension_reason": SUSPENSION_REASONS,
                                         "cycle": CYCLES, "actor": ACTORS, "buyer_kind": BUYER_KINDS,
                                         "origin": ORIGINS, "object_type": OBJECT_TYPES,
                                         "payment_method": PAYMENT_METHODS, "notice": NOTICES,
                                         "credit_reason": CREDIT_REASONS, "audit_action": AUDIT_ACTIONS}
# What the system notes in an invoice's history (InvoiceEvent.note_code and note_params; billing.invoicing.add_event).
EVENT_NOTES = {
    "from_proforma": N_("from %(proforma)s"),
    "reissue_of": N_("reissue of %(invoice)s from %(proforma)s"),
    "paid_with": N_("%(method)s; tax invoice %(tax)s"),
    "paid_part_with": N_("%(amount)s %(currency)s by %(method)s, advance tax invoice %(tax)s; %(due)s %(currency)s "
                         "left to pay"),
    "service_terminated": N_("service %(domain)s terminated"),
    "order_expired": N_("order unpaid for %(days)s days: expired"),
    "account_closed": N_("the customer closed the account"),
    "renewal": N_("renewal"),
    "awaiting_approval": N_("waiting for staff approval of a new billing profile"),
    "approved_change": N_("approved billing change #%(request)s requested by the customer"),
    "not_applied": N_("approved, not applied: %(invoice)s is %(status)s"),
    "reissued_as": N_("reissued as %(invoice)s"),
    "credited_by": N_("credit note %(invoice)s"),
    "credit_note_for": N_("corrects %(invoice)s"),
    "refunded_by": N_("Refund of %(money)s, credit note %(invoice)s"),
    "refund_of": N_("Refund of %(money)s paid for %(invoice)s"),
    "vies_valid": N_("VIES confirmed %(number)s (consultation %(request)s)"),
    "vies_invalid": N_("VIES says %(number)s is not a valid VAT number"),
    "vat_rate_on": N_("VAT %(rate)s%% in force on %(day)s"),
    "billed_to_payer": N_("paid by another payer: the tax invoice is issued on the payer's data"),
}
# Parameters that are themselves labels: translated before they go into the sentence.
_EVENT_NOTE_LABELS = {"method": "payment_method", "status": "status"}
_translated: dict[tuple[str, str], dict[str, str]] = {}  # (map, language) -> translated map; a few small dicts


def labels(name: str, lang: str | None = None) -> Mapping[str, str]:
    """Return the label map `name` (see LABEL_MAPS) in the request's language, translated once per language."""
    lang = lang or language()
    found = _translated.get((name, lang))
    if found is None:
        catalogue = locales.translations(lang)
        found = _translated[(name, lang)] = {key: catalogue.ugettext(msg) for key, msg in LABEL_MAPS[name].items()}
    return found


def status_label(status: str) -> str:
    """Return the translated name of a status (an unknown status shows as it is)."""
    return labels("status").get(status, status)


def invoice_kind_label(kind: str) -> str:
    """Return the translated name of an invoice kind."""
    return labels("invoice_kind").get(kind, kind)


def reason_label(reason: str | None) -> str:
    """Return the translated suspension reason."""
    return labels("suspension_reason").get(reason or "", reason or "")


def cycle_label(cycle: str) -> str:
    """Return the translated name of a billing cycle."""
    return labels("cycle").get(cycle, cycle)


def actor_label(kind: str) -> str:
    """Return who did something (customer, staff, system) in the request's language."""
    return labels("actor").get(kind, kind)


def buyer_kind_label(kind: str) -> str:
    """Return "person" or "legal entity" in the request's language."""
    return labels("buyer_kind").get(kind, kind)


def country_names(lang: str | None = None) -> dict[str, str]:
    """Return {ISO code: country name} in the request's language, sorted by name (the countries buyers use)."""
    return locales.country_names(lang or language())


def country_name(code: str | None, lang: str | None = None) -> str:
    """Return a country's name from its ISO code in `lang`, default the request's language (the code when unknown)."""
    return country_names(lang).get((code or "").upper(), code or "")


def money(amount: Decimal | None, currency: str = "RON", lang: str | None = None) -> str:
    """Format an amount with its currency in `lang`, default the request's language ("22,99 lei"; the `money`
    filter)."""
    return locales.format_money(amount, currency, lang or language())


def date(value: dt.date | None, lang: str | None = None) -> str:
    """Format a date in `lang`, default the request's language ("1 decembrie 2026"; the `date` filter); empty
    for None."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):  # a moment: its day where the business is
        value = to_user_timezone(value).date()
    return locales.format_date(value, lang or language())


def datetime(value: dt.datetime | None) -> str:
    """Format a moment ("medium") in the request's language and timezone (the `datetime` filter); empty for None."""
    return format_datetime(value, "medium") if value else ""


def event_note(event, lang: str | None = None, *, for_staff: bool = False) -> str:
    """Return an invoice history entry's note in the reader's language: the system's note (a code and its
    parameters) translated, then — for staff only — what a staff member typed (a reason) as typed; a created
    entry names its origin. Staff notes never reach the customer (docs/billing.md#corrections)."""
    lang = lang or language()
    said = ""
    template = EVENT_NOTES.get(event.note_code or "")
    if template:
        params = {name: labels(_EVENT_NOTE_LABELS[name], lang).get(value, value) if name in _EVENT_NOTE_LABELS
                  else value for name, value in (event.note_params or {}).items()}
        if "amount" in params and "currency" in params:  # "22,99 lei" in the reader's language
            try:
                params["money"] = locales.format_money(Decimal(params["amount"]), params["currency"], lang)
            except (ArithmeticError, ValueError):
                params["money"] = f"{params['amount']} {params['currency']}"
        text = locales.translations(lang).ugettext(template)
        try:
            said = text % params if params else text
        except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a parameter: the English
            said = template % params if params else template
    if event.action == "created":  # the note is the proforma's origin (order, system, staff)
        origin = labels("origin", lang).get(event.note or "", event.note or "")
        return ": ".join(part for part in (origin, said) if part)
    typed = event.note if for_staff or event.actor_kind != "staff" else ""
    return ": ".join(part for part in (said, typed or "") if part)


def bilingual_parts(msgid: str, lang: str, **params: object) -> tuple[str, str | None]:
    """A document's label as plain text: (Romanian, the reader's language or None when it reads the same) — what
    `bilingual` marks up and the invoice PDF draws. A date parameter is written in each part's own language
    ("la 5 decembrie 2026 / on Dec 5, 2026")."""
    def said(language: str) -> str:
        text = locales.translations(language).ugettext(msgid)
        params_in = {k: locales.format_date(v, language) if isinstance(v, dt.date) else v for k, v in params.items()}
        try:
            return text % params_in if params else text
        except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a parameter: the English
            return msgid % params_in if params else msgid

    romanian = said("ro")
    other = romanian if lang == "ro" else said(lang)
    # Romanian, or a label the same in both ("CUI/CIF", "IBAN"): written once
    return romanian, (None if other == romanian else other)


def bilingual(msgid: str, lang: str, **params: object) -> Markup:
    """A document's label in Romanian first and, for a reader of another language, theirs beside it
    ("Data emiterii / Issue date"): Romanian is required on Romanian accounting documents (docs/fiscal.md)."""
    romanian, other = bilingual_parts(msgid, lang, **params)
    if other is None:
        return Markup("{}").format(romanian)
    return Markup('<span lang="ro">{}</span> <span class="other-language" lang="{}">/ {}</span>').format(
        romanian, lang, other)


def bilingual_label(name: str, key: str | None, lang: str) -> Markup:
    """A label (an invoice kind…) as `bilingual` writes it."""
    msgid = label_msgid(name, key)
    return bilingual(msgid, lang) if msgid else Markup("")


def label_msgid(name: str, key: str | None) -> str:
    """Return the English label (the msgid) of `key` in the label map `name`; the key itself when unknown."""
    return LABEL_MAPS[name].get(key or "", key or "")


# Filters (Jinja calls a filter directly; a global goes through Context.call): the language from the context.
@pass_context
def _bilingual_global(ctx: Context, msgid: str, **params: object) -> Markup:
    return bilingual(msgid, _lang(ctx), **params)


@pass_context
def _bilingual_label_global(ctx: Context, name: str, key: str | None) -> Markup:
    return bilingual_label(name, key, _lang(ctx))


def _label_filter(name: str):
    @pass_context
    def label(ctx: Context, key: str | None) -> str:
        return labels(name, _lang(ctx)).get(key or "", key or "")
    return label


@pass_context
def _event_note_global(ctx: Context, event, for_staff: bool = False) -> str:
    return event_note(event, _lang(ctx), for_staff=for_staff)


@pass_context
def _money_filter(ctx: Context, amount: Decimal | None, currency: str = "RON") -> str:
    return money(amount, currency, _lang(ctx))


@pass_context
def _date_filter(ctx: Context, value: dt.date | None) -> str:
    return date(value, _lang(ctx))


@pass_context
def _labels_global(ctx: Context, name: str) -> Mapping[str, str]:
    return labels(name, _lang(ctx))


PLAIN_MESSAGES_SIZE = 2048
_plain_messages: dict[tuple[NullTranslations, str, bool], str] = {}


@pass_context
def _template_gettext(ctx: Context, message: str, **variables: object) -> str:
    """The template's `_()` and `gettext()`: what Jinja's newstyle gettext does (translate, Markup when the template
    autoescapes, then always `% variables`), in one call. Jinja's own `_` is an alias calling its `gettext`, which
    calls the translating function, each through Context.call: three calls for each of the ~26 messages a page
    says, 70% of the template calls of My Invoices.

    A message without variables gives the same text every time for a catalogue and an autoescape setting: that
    text is remembered (Markup's `%` alone was half of the call's time). Keyed by the catalogue itself, so another
    language, or a catalogue loaded again, is another key; plain str messages only; bounded, cleared when full.
    """
    catalogue = locales.translations(_lang(ctx))
    autoescape = ctx.eval_ctx.autoescape
    if not variables and type(message) is str:
        key = (catalogue, message, autoescape)
        known = _plain_messages.get(key)
        if known is None:
            known = remember(_plain_messages, key, _gettext_formatted(catalogue, message, autoescape, variables),
                             PLAIN_MESSAGES_SIZE)
        return known
    return _gettext_formatted(catalogue, message, autoescape, variables)


def _gettext_formatted(catalogue: NullTranslations, message: str, autoescape: bool,
                       variables: dict[str, object]) -> str:
    text = catalogue.ugettext(message)
    if autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's gettext marks it; variables are escaped by %
    return text % variables


def init_app(app: Flask) -> None:
    """Install the template `_()` (over Flask-Babel's own), the language switch and the label helpers."""
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                            npgettext=_npgettext, newstyle=True)
    app.jinja_env.globals.update({"_": _template_gettext, "gettext": _template_gettext})
    app.after_request(remember_locale)
    app.context_processor(lambda: {"_lang": language()})  # once per render: the filters read it from there
    app.jinja_env.globals.update(get_locale=get_locale, language=language, lang_url=lang_url,
                                 language_names=LANGUAGE_NAMES, labels=_labels_global,
                                 status_label=_label_filter("status"), invoice_kind_label=_label_filter("invoice_kind"),
                                 error_message=error_message, event_note=_event_note_global,
                                 ro_en=_bilingual_global, ro_en_label=_bilingual_label_global)
    app.jinja_env.filters.update(
        money=_money_filter, date=_date_filter, datetime=datetime, status_label=_label_filter("status"),
        invoice_kind_label=_label_filter("invoice_kind"), reason_label=_label_filter("suspension_reason"),
        cycle_label=_label_filter("cycle"), actor_label=_label_filter("actor"), origin_label=_label_filter("origin"),
        object_label=_label_filter("object_type"), notice_label=_label_filter("notice"), tr=translate_message,
        audit_action_label=_label_filter("audit_action"),
    )

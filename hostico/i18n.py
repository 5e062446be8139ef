"""Template translations that stay cheap on long pages.

Flask-Babel resolves the catalogue through several context proxies on every `_()` call (~25 µs each);
a 20-row invoice list made ~530 such calls, half its rendering time. Two remedies, same translations:
the template `_()` looks the catalogue up once per request, and the labels repeated on every row
(statuses, invoice kinds, column names) come from maps translated once per locale. Amounts and dates,
pure functions of (value, locale) that Babel formats slowly, are remembered per locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from flask import Flask, current_app, g, has_app_context, request
from flask_babel import format_currency, format_date, format_datetime, get_locale, get_translations

SUPPORTED_LOCALES = ("ro", "en")
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """Return the request's language: `?lang=`, else the `lang` cookie, else Accept-Language, else the default."""
    for chosen in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in SUPPORTED_LOCALES:
            return chosen
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or current_app.config["DEFAULT_LOCALE"]


def remember_locale(response):
    """Keep a language chosen with `?lang=` in a cookie, so the next pages and htmx partials use it (after_request)."""
    chosen = request.args.get("lang")
    if chosen in SUPPORTED_LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def N_(message: str) -> str:  # noqa: N802 - the conventional extraction marker (pybabel extracts N_)
    """Mark a string for translation without translating it yet."""
    return message


STATUS_LABELS = {
    "unpaid": N_("unpaid"), "paid": N_("paid"), "cancelled": N_("cancelled"), "issued": N_("issued"),
    "active": N_("active"), "pending": N_("pending"), "suspended": N_("suspended"),
    "terminated": N_("terminated"), "sent": N_("sent"), "dead": N_("dead"), "sending": N_("sending"),
}
INVOICE_KINDS = {"proforma": N_("Proforma"), "tax": N_("Tax invoice"), "credit_note": N_("Credit note")}
# Column names and actions of one row of My Invoices (also the data-label of each cell on small screens).
INVOICE_ROW = {
    "number": N_("Number"), "kind": N_("Kind"), "date": N_("Date"), "due_date": N_("Due date"),
    "billed_to": N_("Billed to"), "total": N_("Total"), "status": N_("Status"), "actions": N_("Actions"),
    "cui": N_("CUI"), "reverse_charge": N_("reverse charge"), "view": N_("View"), "pdf": N_("PDF"),
    "pay": N_("Pay"), "edit": N_("Edit"), "select": N_("Select to pay"),
}
LABEL_MAPS: dict[str, dict[str, str]] = {"status": STATUS_LABELS, "invoice_kind": INVOICE_KINDS,
                                         "invoice_row": INVOICE_ROW}

# (map name, catalogue) -> translated map. Flask-Babel keeps one catalogue per locale for the life of the
# process, so this holds a few small dicts per locale at most.
_translated: dict[tuple[str, object], dict[str, str]] = {}


def _request_translations():
    """Return this request's catalogue: found through Flask-Babel once, then kept for the request.

    It is kept in Flask-Babel's own per-request slot (`babel_translations`), which its refresh() and
    force_locale() reset, so a locale switched during a request is still honoured.
    """
    if not has_app_context():
        return get_translations()  # no app: Flask-Babel's null catalogue
    state = g.get("_flask_babel")
    translations = getattr(state, "babel_translations", None)
    if translations is None:
        translations = get_translations()  # also creates g._flask_babel
        g._flask_babel.babel_translations = translations
    return translations


def _request_locale() -> Locale | None:
    """Return this request's locale: Flask-Babel's own per-request value, read with one context lookup."""
    locale = getattr(g.get("_flask_babel"), "babel_locale", None) if has_app_context() else None
    return locale if locale is not None else get_locale()  # not chosen yet (or no app): let Flask-Babel do it


def labels(name: str) -> Mapping[str, str]:
    """Return the label map `name` (see LABEL_MAPS) in the current locale, translated once per catalogue."""
    translations = _request_translations()
    found = _translated.get((name, translations))
    if found is None:
        found = {key: translations.ugettext(message) for key, message in LABEL_MAPS[name].items()}
        if has_app_context():  # outside an app the null catalogue is a new object each time: nothing to keep
            _translated[(name, translations)] = found
    return found


def status_label(status: str) -> str:
    """Return the translated name of a status (an unknown status shows as it is)."""
    return labels("status").get(status, status)


def invoice_kind_label(kind: str) -> str:
    """Return the translated name of an invoice kind."""
    return labels("invoice_kind").get(kind, kind)


@lru_cache(maxsize=4096)
def _money(amount: Decimal, exponent: int, negative: bool, currency: str, locale: Locale | None) -> str:
    # Called with the request's own locale (part of the key), so Flask-Babel's answer is the same one.
    return format_currency(amount, currency)


def money(amount: Decimal | None, currency: str = "RON") -> str:
    """Format an amount with its currency in the request's locale (the `money` filter)."""
    if type(amount) is not Decimal or not amount.is_finite():
        return format_currency(amount, currency)
    # Equal Decimals can differ in exponent or sign of zero: both are in the key so no text is reused wrongly.
    return _money(amount, amount.as_tuple().exponent, amount.is_signed(), currency, _request_locale())


@lru_cache(maxsize=4096)
def _date(value: dt.date, locale: Locale | None) -> str:
    return format_date(value, "medium")


def date(value: dt.date | None) -> str:
    """Format a date ("medium") in the request's locale (the `date` filter); empty for None."""
    if not value:
        return ""
    if type(value) is dt.date:  # a datetime would be moved to the user's timezone first: not cached
        return _date(value, _request_locale())
    return format_date(value, "medium")


def datetime(value: dt.datetime | None) -> str:
    """Format a moment ("medium") in the request's locale and timezone (the `datetime` filter); empty for None."""
    return format_datetime(value, "medium") if value else ""


def init_app(app: Flask) -> None:
    """Install the cheap template `_()` (after Flask-Babel's own) and the label helpers as template globals."""
    translate: Callable[[str], str] = lambda s: _request_translations().ugettext(s)  # noqa: E731
    app.jinja_env.install_gettext_callables(
        gettext=translate,
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.after_request(remember_locale)
    app.jinja_env.globals.update(get_locale=get_locale, labels=labels, status_label=status_label,
                                  invoice_kind_label=invoice_kind_label)
    # Also as filters: Jinja calls a filter directly, a global function through Context.call (long lists).
    app.jinja_env.filters.update(money=money, date=date, datetime=datetime, status_label=status_label,
                                 invoice_kind_label=invoice_kind_label)

"""Which language a request speaks: ?lang=, the lang cookie, the customer's saved language, Accept-Language
(select_locale, Flask-Babel's selector), the cookie that keeps a choice, and the header's language switch.
Translations in that language: hostico/web/i18n.py."""

from __future__ import annotations

from urllib.parse import urlencode

from babel import Locale
from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from hostico import locales
from hostico.locales import SUPPORTED_LOCALES

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """Return the language: ?lang=, the lang cookie, the customer's saved language, Accept-Language, default."""
    for chosen in (_first(request.args, "lang"), _first(request.cookies, LANG_COOKIE)):
        if chosen in SUPPORTED_LOCALES:
            return chosen
    user = current_user._get_current_object()  # one proxy lookup, not two
    saved = getattr(user, "language", None) if user else None
    if saved in SUPPORTED_LOCALES:
        return saved
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or current_app.config["DEFAULT_LOCALE"]


def request_locale() -> Locale:
    """Flask-Babel's locale selector: the language `select_locale` chooses as a Babel Locale made once per
    language (given a code, Flask-Babel would parse it again on every request: ~12 µs)."""
    return locales.babel_locale(select_locale())


def _first(values: MultiDict, key: str) -> str | None:
    """Return values.get(key), cheaply when it is absent: a MultiDict raises and catches a BadRequestKeyError (an
    HTTP exception) for a missing key, several µs on each request with no ?lang= or no lang cookie."""
    return values.get(key) if key in values else None


def remember_language(response, language: str):
    """Set the lang cookie, so this browser's next pages and htmx partials speak `language`."""
    response.set_cookie(LANG_COOKIE, language, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


# Pages differ by language: the browser's and the lang cookie's (hostico.web.app lists them in Vary).
VARY = ("Accept-Language", "Cookie")


def remember_locale(response):
    """Keep a language chosen with ?lang= in the cookie (after_request)."""
    chosen = _first(request.args, "lang")
    if chosen in SUPPORTED_LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
        remember_language(response, chosen)
    return response


def language() -> str:
    """Return the language of the current request ("ro" or "en"; the default outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else locales.DEFAULT_LOCALE


def lang_url(code: str) -> str:
    """Return this page's URL in another language (the header's language switch)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return f"{request.path}?{urlencode(args)}"

"""The languages Hostico speaks and how amounts and dates read in each (no Flask: pages, emails, SMS, PDFs).

Romanian amounts read "1.234,50 lei" (Babel would print "RON"), other currencies by their code
("19,00 EUR"); English ones "1,234.50 RON". Romanian dates read "1 decembrie 2026", English ones
"Dec 1, 2026". Each answer is a pure function of (value, locale), so it is remembered.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

SUPPORTED_LOCALES = ("ro", "en")
DEFAULT_LOCALE = "ro"
LANGUAGE_NAMES = {"ro": "Română", "en": "English"}  # each in its own language, as a switch shows them
TRANSLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")
# The Romanian name of the leu in running text ("22,99 lei"); other currencies by their ISO code.
RO_CURRENCY_NAMES = {"RON": "lei"}
DATE_FORMATS = {"ro": "d MMMM y", "en": "medium"}
SHORT_DATE_FORMATS = {"ro": "dd.MM.y", "en": "yyyy-MM-dd"}


def supported(locale: object, default: str = DEFAULT_LOCALE) -> str:
    """Return locale as one of SUPPORTED_LOCALES ("ro_RO" -> "ro"), or default."""
    code = str(locale or "").replace("-", "_").split("_")[0].lower()
    return code if code in SUPPORTED_LOCALES else default


@cache
def translations(locale: str) -> NullTranslations:
    """Return the compiled catalogue of a language (English: the msgids themselves)."""
    return Translations.load(TRANSLATIONS, [locale], "messages")


@lru_cache(maxsize=8192)
def _money(amount: Decimal, exponent: int, negative: bool, currency: str, locale: str) -> str:
    name = RO_CURRENCY_NAMES.get(currency, currency) if locale == "ro" else currency
    return f"{format_decimal(amount, format='#,##0.00', locale=locale)} {name}"


def format_money(amount: Decimal | int | str | None, currency: str = "RON", locale: str = DEFAULT_LOCALE) -> str:
    """Format an amount with its currency the way the language writes it ("22,99 lei", "22.99 RON")."""
    if amount is None:
        return ""
    value = amount if type(amount) is Decimal else Decimal(str(amount))
    if not value.is_finite():
        return str(value)
    # Equal Decimals can differ in exponent or sign of zero: both are in the key so no text is reused wrongly.
    return _money(value, value.as_tuple().exponent, value.is_signed(), currency, locale)


@lru_cache(maxsize=8192)
def _date(value: dt.date, pattern: str, locale: str) -> str:
    return babel_format_date(value, pattern, locale=locale)


def format_date(value: dt.date | None, locale: str = DEFAULT_LOCALE, *, short: bool = False) -> str:
    """Format a date ("1 decembrie 2026", "Dec 1, 2026"; short: "01.12.2026", "2026-12-01"); empty for None."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _date(value, (SHORT_DATE_FORMATS if short else DATE_FORMATS)[supported(locale)], locale)


# ISO 3166 codes of the countries a buyer can be in (Babel's territories minus groupings and test codes).
COUNTRY_CODES = frozenset(code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2
                          and code.isalpha()
                          and code not in ("EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"))


@cache
def country_names(locale: str) -> dict[str, str]:
    """Return {ISO code: name} of every country in a language, sorted by name as that language sorts."""
    names = Locale.parse(supported(locale)).territories
    # Romanian letters sort after their base letter (ă after a, ș after s), as a reader looks for them.
    fold = str.maketrans("ăâîșțşţĂÂÎȘȚŞŢ", "aaistst" + "AAISTST")
    return dict(sorted(((code, names.get(code, code)) for code in COUNTRY_CODES),
                       key=lambda item: item[1].translate(fold).casefold()))


def babel_locale(locale: str) -> Locale:
    """Return Babel's Locale of a supported language (one object per language: parsing one costs ~12 µs, and the
    web layer asks on every request)."""
    found = _BABEL_LOCALES.get(locale)
    return found if found is not None else _BABEL_LOCALES[supported(locale)]


_BABEL_LOCALES = {code: Locale.parse(code) for code in SUPPORTED_LOCALES}

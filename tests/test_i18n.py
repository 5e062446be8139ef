"""Template translations kept cheap (hostico/i18n.py): the same text Flask-Babel gives, switched locales honoured."""

import datetime as dt
from decimal import Decimal

import pytest
from babel.support import Translations
from flask import render_template_string
from flask_babel import force_locale, format_currency, format_date, refresh

from hostico import i18n


class Shouting(Translations):
    """A catalogue that upper-cases every message (stands in for a real Romanian one)."""

    def ugettext(self, message):
        return message.upper()

    gettext = ugettext


@pytest.fixture
def shouting(app, monkeypatch):
    """Serve the Shouting catalogue for the "ro" locale, Flask-Babel's own one otherwise."""
    import flask_babel

    real = flask_babel.get_translations

    def fake():
        return SHOUT if str(flask_babel.get_locale()) == "ro" else real()

    monkeypatch.setattr(i18n, "get_translations", fake)
    return SHOUT


SHOUT = Shouting()


def test_labels_are_the_catalogue_translations(app):
    with app.test_request_context("/"):
        assert i18n.status_label("unpaid") == "unpaid"
        assert i18n.invoice_kind_label("credit_note") == "Credit note"
        assert i18n.status_label("running") == "running"  # an unknown status shows as it is
        assert i18n.labels("invoice_row")["due_date"] == "Due date"


def test_labels_and_template_text_follow_the_locale_of_the_request(app, shouting):
    template = "{{ _('Total') }} {{ status_label('paid') }} {{ labels('invoice_row').view }}"
    with app.test_request_context("/", headers={"Accept-Language": "ro"}):
        assert render_template_string(template) == "TOTAL PAID VIEW"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Total paid View"


def test_a_locale_switched_during_the_request_is_honoured(app, shouting):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Total') }}") == "Total"
        with force_locale("ro"):
            assert render_template_string("{{ _('Total') }} {{ status_label('paid') }}") == "TOTAL PAID"
        assert render_template_string("{{ _('Total') }}") == "Total"
        import flask_babel

        babel = flask_babel.get_babel()
        selector, babel.locale_selector = babel.locale_selector, lambda: "ro"
        try:
            refresh()  # e.g. after the customer changed their language
            assert render_template_string("{{ _('Total') }}") == "TOTAL"
        finally:
            babel.locale_selector = selector


@pytest.mark.parametrize("amount", [Decimal("19.00"), Decimal("19.0"), Decimal("19"), Decimal("-0.00"),
                                    Decimal("0.00"), Decimal("-24.20"), Decimal("1234567.891"), 5])
def test_money_filter_gives_babels_text_even_for_equal_decimals(app, amount):
    with app.test_request_context("/"):
        for currency in ("RON", "EUR", "JPY"):
            for _ in range(2):  # the second answer comes from the cache
                assert i18n.money(amount, currency) == format_currency(amount, currency)


def test_date_filter_gives_babels_text_per_locale(app):
    day = dt.date(2026, 3, 9)
    with app.test_request_context("/", headers={"Accept-Language": "ro"}):
        ro = i18n.date(day)
        assert ro == format_date(day, "medium")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert i18n.date(day) == format_date(day, "medium") == "Mar 9, 2026"
        assert i18n.date(day) != ro
        assert i18n.date(None) == ""
        moment = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)  # already 10 March in Bucharest
        assert i18n.date(moment) == format_date(moment, "medium") == "Mar 10, 2026"

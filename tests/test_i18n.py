"""The web layer's languages (hostico/web/i18n.py, hostico/locales.py): translations, labels, amounts and dates."""

import datetime as dt
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale, refresh

from hostico import locales
from hostico.web import i18n


def test_labels_are_the_catalogue_translations(app):
    with app.test_request_context("/"):
        assert i18n.status_label("unpaid") == "unpaid"
        assert i18n.invoice_kind_label("credit_note") == "Credit note"
        assert i18n.status_label("running") == "running"  # an unknown status shows as it is
        assert i18n.labels("invoice_row")["due_date"] == "Due date"
    with app.test_request_context("/?lang=ro"):
        assert i18n.status_label("unpaid") == "neplătită"
        assert i18n.invoice_kind_label("credit_note") == "Factură de stornare"
        assert i18n.labels("invoice_row")["due_date"] == "Scadența"


def test_template_text_and_labels_follow_the_language_of_the_request(app):
    template = "{{ _('Total to pay') }} {{ status_label('paid') }} {{ labels('invoice_row').view }}"
    with app.test_request_context("/", headers={"Accept-Language": "ro"}):
        assert render_template_string(template) == "Total de plată plătită Vedeți"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Total to pay paid View"


def test_placeholders_and_plurals_in_templates(app):
    template = ("{{ _('Pay %(amount)s', amount='5 lei') }} | "
                "{{ ngettext('%(num)d unused recovery code left.', '%(num)d unused recovery codes left.', n) }}")
    with app.test_request_context("/?lang=ro"):
        assert render_template_string(template, n=1) == "Plătiți 5 lei | Vă mai rămâne 1 cod de recuperare nefolosit."
        assert render_template_string(template, n=3).endswith("Vă mai rămân 3 coduri de recuperare nefolosite.")
        assert render_template_string(template, n=20).endswith("Vă mai rămân 20 de coduri de recuperare nefolosite.")
    with app.test_request_context("/?lang=en"):
        assert render_template_string(template, n=3) == "Pay 5 lei | 3 unused recovery codes left."


def test_template_gettext_escapes_its_placeholders_formats_always_and_is_one_template_call(app, monkeypatch):
    from jinja2.runtime import Context

    template = ("{{ _('Pay %(amount)s', amount='<b>5</b>') }}|{{ _('100%% paid') }}|"
                "{% trans amount='<i>' %}Pay {{ amount }}{% endtrans %}|{{ gettext('Total to pay') }}")
    with app.test_request_context("/?lang=ro"):
        assert render_template_string(template) == \
            "Plătiți &lt;b&gt;5&lt;/b&gt;|100% paid|Plătiți &lt;i&gt;|Total de plată"
        calls = []
        real = Context.call
        monkeypatch.setattr(Context, "call", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
        assert render_template_string("{{ _('Total to pay') }}") == "Total de plată"
        assert len(calls) == 1  # Jinja's own `_` is three calls: alias, newstyle wrapper, translation


def test_remembered_plain_messages_follow_the_language_the_escaping_and_stay_bounded(app, monkeypatch):
    """`_()` without variables remembers its text per catalogue and autoescape setting: never another's."""
    from jinja2 import Environment
    from markupsafe import Markup

    monkeypatch.setattr(i18n, "_plain_messages", {})
    template = "{{ _('Total to pay') }}|{{ _('100%% paid') }}|{{ _('<b>') }}|{{ _(m) }}"
    for _ in range(2):  # the second time from what was remembered
        with app.test_request_context("/?lang=ro"):
            assert render_template_string(template, m=Markup("<i>")) == "Total de plată|100% paid|<b>|<i>"
            assert render_template_string(template, m="<i>") == "Total de plată|100% paid|<b>|<i>"
        with app.test_request_context("/?lang=en"):
            assert render_template_string(template, m="x") == "Total to pay|100% paid|<b>|x"
    assert len(i18n._plain_messages) == 8  # four str messages in two languages; the Markup one is never remembered

    plain = Environment(autoescape=False)
    plain.globals["_"] = i18n._template_gettext
    for lang, expected in (("ro", "Total de plată <b>"), ("en", "Total to pay <b>")):
        said = plain.from_string("{{ _('Total to pay') }} {{ _('<b>') }}").render(_lang=lang)
        assert said == expected  # no autoescape: plain text, never the Markup remembered for HTML templates
    assert type(plain.globals["_"](plain.from_string("").new_context({"_lang": "ro"}), "<b>")) is str

    monkeypatch.setattr(i18n, "PLAIN_MESSAGES_SIZE", 3)
    with app.test_request_context("/?lang=ro"):
        render_template_string("{{ _('Total to pay') }}{{ _('Pages') }}{{ _('Newer') }}{{ _('Older') }}")
    assert 0 < len(i18n._plain_messages) <= 3


def test_a_language_switched_during_the_request_is_honoured(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Total to pay') }}") == "Total to pay"
        with force_locale("ro"):
            assert render_template_string("{{ _('Total to pay') }} {{ 5|money }}") == "Total de plată 5,00 lei"
        assert render_template_string("{{ _('Total to pay') }} {{ 5|money }}") == "Total to pay 5.00 RON"
        import flask_babel

        babel = flask_babel.get_babel()
        selector, babel.locale_selector = babel.locale_selector, lambda: "ro"
        try:
            refresh()  # e.g. after the customer changed their language
            assert render_template_string("{{ _('Total to pay') }}") == "Total de plată"
        finally:
            babel.locale_selector = selector


def test_each_request_gets_its_own_language_from_the_locales_parsed_once(app):
    from flask_babel import get_locale

    seen = []
    for url, headers, expected in (("/", {"Accept-Language": "en"}, "en"), ("/", {"Accept-Language": "ro"}, "ro"),
                                   ("/?lang=en", {"Accept-Language": "ro"}, "en"),
                                   ("/", {"Cookie": "lang=ro", "Accept-Language": "en"}, "ro"),
                                   ("/?lang=ro&lang=en", {}, "ro"), ("/?lang=xx", {"Accept-Language": "en"}, "en")):
        with app.test_request_context(url, headers=headers):
            assert (str(get_locale()), i18n.language()) == (expected, expected), url
            seen.append(get_locale())
    assert seen[0] is seen[2] and seen[1] is seen[3] and seen[0] is not seen[1]  # one Locale per language
    assert locales.babel_locale("ro_RO") is locales.babel_locale("ro") and locales.babel_locale("de").language == "ro"


@pytest.mark.parametrize("amount, ro, en", [
    (Decimal("22.99"), "22,99 lei", "22.99 RON"),
    (Decimal("19"), "19,00 lei", "19.00 RON"),
    (Decimal("-24.20"), "-24,20 lei", "-24.20 RON"),
    (Decimal("11950.61"), "11.950,61 lei", "11,950.61 RON"),
    (Decimal("1234567.891"), "1.234.567,89 lei", "1,234,567.89 RON"),
    (5, "5,00 lei", "5.00 RON"),
])
def test_money_reads_as_the_language_writes_it(app, amount, ro, en):
    for lang, expected in (("ro", ro), ("en", en)):
        with app.test_request_context(f"/?lang={lang}"):
            for _ in range(2):  # the second answer comes from the cache
                assert i18n.money(amount, "RON") == expected
    with app.test_request_context("/?lang=ro"):
        assert i18n.money(Decimal("19"), "EUR") == "19,00 EUR"


def test_equal_decimals_with_another_sign_or_exponent_are_not_mixed_up():
    assert locales.format_money(Decimal("-0.00"), "RON", "ro") == "-0,00 lei"
    assert locales.format_money(Decimal("0.00"), "RON", "ro") == "0,00 lei"
    assert locales.format_money(Decimal("19.0"), "RON", "en") == locales.format_money(Decimal("19"), "RON", "en")


def test_dates_read_as_the_language_writes_them(app):
    day = dt.date(2026, 12, 1)
    with app.test_request_context("/?lang=ro"):
        assert i18n.date(day) == "1 decembrie 2026"
        assert render_template_string("{{ d|date }}", d=dt.date(2026, 3, 9)) == "9 martie 2026"
    with app.test_request_context("/?lang=en"):
        assert i18n.date(day) == "Dec 1, 2026"
        assert i18n.date(None) == ""
        moment = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)  # already 10 March in Bucharest
        assert i18n.date(moment) == "Mar 10, 2026"
    assert locales.format_date(day, "ro", short=True) == "01.12.2026"


def test_typed_errors_are_translated_by_the_web_layer(app):
    from hostico.errors import N_, TranslatableError

    err = TranslatableError("cancelled", N_("Proforma %(code)s is cancelled."), code="HPF-000001")
    assert str(err) == "Proforma HPF-000001 is cancelled." and err.code == "cancelled"
    with app.test_request_context("/?lang=en"):
        assert i18n.error_message(err) == "Proforma HPF-000001 is cancelled."
    with app.test_request_context("/?lang=ro"):
        assert i18n.error_message(err) == "Proforma HPF-000001 a fost anulată."
        assert i18n.error_message(ValueError("plain")) == "plain"

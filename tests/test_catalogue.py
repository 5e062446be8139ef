"""The Romanian catalogue is complete and current, and pages speak Romanian by default (docs/i18n.md)."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from hostico import message_catalog
from hostico.web.app import create_app


def test_romanian_catalogue_translates_every_message_of_the_sources():
    problems = message_catalog.check()
    assert not problems, "run `make i18n-update`, then translate:\n" + "\n".join(map(str, problems))


def _template(*ids) -> Catalog:
    template = Catalog(fuzzy=False)
    for msgid in ids:
        template.add(msgid)
    return template


def test_the_check_fails_on_missing_stale_untranslated_fuzzy_cedilla_and_broken_placeholders():
    template = _template("Pay", "New string", "Hello %(name)s,", "Paid", "Suspend", "Status")
    ro = Catalog(locale="ro", fuzzy=False)
    ro.add("Pay", "Plătiți")
    ro.add("Hello %(name)s,", "Bună ziua, %(nume)s,", flags=["python-format"])
    ro.add("Paid", "")
    ro.add("Suspend", "Suspendați", flags=["fuzzy"])
    ro.add("Status", "Situaţie")  # t with cedilla
    ro.add("Gone from the code", "Dispărut")
    problems = message_catalog.check_catalog("ro", ro, template)
    found = {(str(p.msgid), p.what.split(":")[0].split(" (")[0]) for p in problems}
    assert found == {
        ("New string", "not in the catalogue"), ("Gone from the code", "no longer in the sources"),
        ("Paid", "not translated"), ("Suspend", "fuzzy"), ("Status", "ş/ţ with cedilla"),
        ("Hello %(name)s,", "format"),
    }


def test_a_string_added_to_a_template_is_missing_until_the_catalogue_is_updated(tmp_path, monkeypatch):
    page = tmp_path / "templates" / "new.html"
    page.parent.mkdir()
    page.write_text('<p>{{ _("A sentence nobody translated yet") }}</p>', encoding="utf-8")
    monkeypatch.setattr(message_catalog, "ROOT", str(tmp_path))
    monkeypatch.setattr(message_catalog, "MAPPING", str(tmp_path / "babel.cfg"))
    (tmp_path / "babel.cfg").write_text("[jinja2: templates/**.html]\n", encoding="utf-8")
    template = message_catalog.extract()
    problems = message_catalog.check(template=template)
    assert any(p.msgid == "A sentence nobody translated yet" and "not in the catalogue" in p.what for p in problems)


@pytest.fixture
def ro_app(test_config):
    """The app as configured out of the box: Romanian unless the visitor chooses otherwise."""
    config = dict(test_config)
    del config["DEFAULT_LOCALE"]
    return create_app(config)


def test_pages_are_romanian_by_default(ro_app):
    html = ro_app.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="ro">' in html
    assert "Intrați în contul de client" in html
    assert "Log in to your client area" not in html


def test_lang_parameter_switches_the_language_and_a_cookie_remembers_it(ro_app):
    client = ro_app.test_client()
    first = client.get("/login?lang=en")
    assert '<html lang="en">' in first.get_data(as_text=True)
    assert "Log in to your client area" in first.get_data(as_text=True)
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en" and cookie.http_only and cookie.same_site == "Lax"
    assert "Log in to your client area" in client.get("/login").get_data(as_text=True)  # no ?lang: the cookie
    assert "Intrați în contul de client" in client.get("/login?lang=ro").get_data(as_text=True)
    assert client.get_cookie("lang").value == "ro"


def test_browser_language_decides_when_nothing_was_chosen(ro_app):
    client = ro_app.test_client()
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "Log in to your client area" in english
    unknown = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Intrați în contul de client" in unknown  # not a language we speak: the default
    client.get("/login?lang=ro")
    chosen = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Intrați în contul de client" in chosen  # a choice made here wins over the browser's


def test_an_unknown_lang_value_is_ignored(ro_app):
    client = ro_app.test_client()
    resp = client.get("/login?lang=xx", headers={"Accept-Language": "en"})
    assert "Log in to your client area" in resp.get_data(as_text=True)
    assert client.get_cookie("lang") is None


def test_default_locale_must_be_a_supported_language(test_config):
    with pytest.raises(RuntimeError, match="HOSTICO_DEFAULT_LOCALE"):
        create_app(dict(test_config, DEFAULT_LOCALE="fr"))

"""Every client and staff page, read in Romanian, has no English left in it (docs/i18n.md).

The pages come from the app's URL map (tests/security/discover.py), filled with a customer's and a staff
user's real objects, and are fetched with the `lang=ro` cookie, as full pages and as htmx partials.
Their visible text (and the labels people hear: aria-label, title, placeholder, alt) is split into
words; a word that only English uses — one that appears in the catalogue's English messages and in none
of its Romanian translations — marks a string that escaped translation: not wrapped in _(), translated
too early (at import time), or rendered outside the request's language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from hostico import locales, message_catalog
from tests.security.conftest import World, act_as, get_pages, world  # noqa: F401 - `world` is a fixture

WORD = re.compile(r"[A-Za-zĂÂÎȘȚăâîșț]+")
# Identifiers read as such (audit actions "payment.recorded", events "payment_receipt", JSON details, an email
# address such as the support address billing@hostico.example).
IDENTIFIER = re.compile(r"^\{.*\}$|^[\w.:#-]*[_.][\w.:#-]*$|^[\w.+-]+@[\w.-]+$", re.S)
LABEL_ATTRS = ("aria-label", "title", "placeholder", "alt")
# Words of the demo data and of names that are the same in both languages (brands, codes, people).
DATA_WORDS = {"alice", "owner", "bob", "other", "staff", "hostico", "srl", "exemplu", "example", "test", "value"}


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def english_only_words() -> set[str]:
    """Words of the English messages that no Romanian translation uses."""
    ro = message_catalog._read(message_catalog.po_path("ro"), "ro")
    english, romanian = set(), set()
    for message in ro:
        if not message.id:
            continue
        for msgid in (message.id if isinstance(message.id, (tuple, list)) else (message.id,)):
            english |= _words(re.sub(r"%\(\w+\)\w", " ", msgid))
        for msgstr in (message.string if isinstance(message.string, (tuple, list)) else (message.string,)):
            romanian |= _words(msgstr or "")
    romanian |= _words(" ".join(locales.country_names("ro").values()))  # "Regatul Unit" is Romanian
    return {w for w in english - romanian - DATA_WORDS if len(w) > 2}


class _Text(HTMLParser):
    """The text a person reads or hears on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in LABEL_ATTRS and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def _data_words(w: World) -> set[str]:
    """Words of the objects the pages show (names, products, domains, addresses, line descriptions)."""
    from sqlalchemy import select

    from hostico.models import Customer, InvoiceLine, Product, Service, StaffUser

    session = w.session
    words: set[str] = set()
    for column in (Customer.name, Customer.email, StaffUser.name, StaffUser.email, Product.name, Service.domain,
                   InvoiceLine.description):
        for value in session.scalars(select(column)):
            words |= _words(str(value or ""))
    return words


def english_left(html: str, suspicious: set[str]) -> list[str]:
    """Return the chunks of a page that contain an English-only word."""
    parser = _Text()
    parser.feed(html)
    return [chunk for chunk in parser.chunks if not IDENTIFIER.match(chunk) and _words(chunk) & suspicious]


@pytest.mark.parametrize("role", ["public", "customer", "staff"])
def test_every_page_in_romanian_has_no_english_left(app, world, role):  # noqa: F811
    suspicious = english_only_words() - _data_words(world)
    client = app.test_client()
    found: dict[str, list[str]] = {}
    pages = get_pages(app, role, world)
    assert pages, f"no {role} pages found"
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            act_as(client, role, world)
            client.set_cookie("lang", "ro")
            resp = client.get(url, headers=headers, follow_redirects=True)
            if resp.status_code >= 500 or not resp.mimetype.startswith("text/html"):
                continue
            left = english_left(resp.get_data(as_text=True), suspicious)
            if left:
                found[f"{url} {'(htmx)' if headers else ''}".strip()] = left
    assert not found, "English on Romanian pages:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_walk_catches_an_unwrapped_english_string():
    suspicious = english_only_words()
    assert english_left('<p>Sunteți autentificat.</p><a title="Download the invoice">PDF</a>', suspicious) == [
        "Download the invoice"]
    assert english_left("<p>Your payment was received</p>", suspicious) == ["Your payment was received"]

"""No page of the app has a card-number field (docs/payments.md): card data is typed on the gateway's page only.

Walks every GET route of the URL map for visitors, customers and staff (plain and htmx), plus the
pages a card payment passes through (pay page, the sandbox gateway's hosted page and its 3-D Secure
step, the waiting page), and looks at every input a person could type into.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.security.conftest import act_as, get_pages

CARD_WORDS = re.compile(r"card.?(number|num|no)\b|\bcc-|\bcc.?(number|num|exp|csc)|cvc|cvv|\bpan\b|expir|"
                        r"security.?code|card.?holder", re.IGNORECASE)
TYPEABLE = {"", "text", "tel", "number", "password", "search", "email", "url", "month"}


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "textarea" or (tag == "input" and attrs.get("type", "").lower() in TYPEABLE):
            self.fields.append(attrs)


def card_fields(html: str) -> list[dict]:
    """Inputs a person could type a card number, expiry or CVC into."""
    parser = _Fields()
    parser.feed(html)
    return [f for f in parser.fields if any(CARD_WORDS.search(f.get(a, "")) for a in
                                            ("name", "id", "autocomplete", "placeholder", "aria-label"))]


def test_the_detector_finds_the_old_card_form():
    old = ('<input name="card_number" autocomplete="cc-number"><input name="expiry" autocomplete="cc-exp">'
           '<input name="cvc"><input type="radio" name="card" value="4242424242424242">')
    assert [f["name"] for f in card_fields(old)] == ["card_number", "expiry", "cvc"]


@pytest.mark.parametrize("role", ["public", "customer", "staff"])
def test_no_page_of_the_app_has_a_card_number_field(app, world, role):
    client = app.test_client()
    pages = get_pages(app, role, world)
    assert len(pages) > 5
    checked = 0
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            act_as(client, role, world)
            resp = client.get(url, headers=headers)
            if resp.status_code != 200 or not resp.mimetype.startswith("text/html"):
                continue
            assert card_fields(resp.get_data(as_text=True)) == [], url
            checked += 1
    assert checked >= len(pages) // 2


def test_the_card_payment_path_has_no_card_number_field(app, world):
    client = app.test_client()
    act_as(client, "customer", world)
    code = world.alice_ids["code"]
    pages = [f"/invoices/{code}", f"/invoices/{code}/pay", "/invoices"]
    token = client.csrf_token(pages[0])
    resp = client.post(f"/invoices/{code}/pay", data={"csrf_token": token})
    hosted = resp.headers["Location"]
    assert "/sandbox-gateway/checkout/" in hosted
    step = client.post(hosted, data={"csrf_token": token, "card": "4000002760003184"})
    pages += [hosted, step.headers["Location"]]
    back = client.post(step.headers["Location"], data={"csrf_token": token, "outcome": "complete",
                                                        "card": "4000002760003184"})
    pages.append(back.headers["Location"])
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert card_fields(page.get_data(as_text=True)) == [], url

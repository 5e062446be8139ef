"""docs/security.md item 18: every id in a URL, a query string or a form is bounded — a 25-digit, negative,
Unicode-digit ('²', '٣') or non-ASCII value answers 404 or a field error, never a 500.

Walks app.url_map (every route of every role, so a new route is covered without editing this file) and fills
each URL argument, each query parameter and each form field the views read (found by scanning the source)
with those values.
"""

from __future__ import annotations

import pathlib
import re
from urllib.parse import quote

import pytest

from hostico.web.ids import MAX_ID, parse_id
from tests.security.conftest import act_as, signed_csrf
from tests.security.discover import app_rules, role_of

ROOT = pathlib.Path(__file__).resolve().parents[2]
ODD = ["9" * 25, "-5", "²", "٣", "é", str(MAX_ID + 1), str(2**63), "00", "1e3", "12 ", "१२"]
QUICK = ("9" * 25, "٣")  # every run; the rest of ODD with the slow tests (each value walks every route)
VALUES = [v if v in QUICK else pytest.param(v, marks=pytest.mark.slow) for v in ODD]
# Form fields holding ids that views read through WTForms (SelectField coerce=int), not request.*.get().
FORM_ID_FIELDS = ("profile_id", "profile", "services", "product", "lines", "invoice", "service_id", "customer_id",
                  "line_id", "payment_id", "session_id")
_ARG = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def _read_keys() -> set[str]:
    """Every query and form key a view of the app reads (request.args/.form/.values.get("…"))."""
    keys = set()
    for path in (ROOT / "hostico").rglob("*.py"):
        keys |= set(re.findall(r"\.get(?:list)?\(\s*\"([a-z_]+)\"", path.read_text()))
    return keys


def _urls(rule, value: str) -> str:
    return _ARG.sub(lambda m: quote(value, safe=""), rule.rule)


def _open(client, method: str, url: str, **kwargs):
    try:
        return client.open(url, method=method, **kwargs).status_code
    except Exception as err:  # noqa: BLE001 - TESTING propagates what would be a 500
        return f"500 ({type(err).__name__}: {str(err)[:80]})"


def test_the_id_helper_takes_only_plain_ascii_digits_within_the_column_range():
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    for value in [*ODD, "", None, "0", " 42", "+4", "4_2", "٤٢"]:
        assert parse_id(value) is None, value


@pytest.mark.parametrize("value", VALUES)
def test_no_url_argument_answers_500(app, world, value):
    client = app.test_client()
    failures, checked = [], 0
    for rule in app_rules(app, ("GET", "POST")):
        if not rule.arguments:
            continue
        role = role_of(app, rule)
        url = _urls(rule, value)
        for method in sorted(set(rule.methods) & {"GET", "POST"}):
            act_as(client, role, world)
            status = _open(client, method, url,
                           data=None if method == "GET" else {"csrf_token": signed_csrf(app)})
            checked += 1
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{method} {url} as {role}: {status}")
    assert checked >= 20
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", VALUES)
def test_no_query_parameter_or_form_field_answers_500(app, world, value):
    client = app.test_client()
    keys = _read_keys() | set(FORM_ID_FIELDS)
    failures = []
    for rule in app_rules(app, ("GET", "POST")):
        role = role_of(app, rule)
        url = rule.rule if not rule.arguments else None
        if url is None:
            url = _ARG.sub(lambda m: str(world.alice_ids.get(m.group(1), 1)), rule.rule)
        fields = {key: value for key in keys if key not in ("csrf_token", "next")}
        for method in sorted(set(rule.methods) & {"GET", "POST"}):
            act_as(client, role, world)
            if method == "GET":
                status = _open(client, "GET", url, query_string=fields)
            else:
                status = _open(client, "POST", url, query_string=fields,
                               data={**fields, "csrf_token": signed_csrf(app)})
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{method} {url} as {role}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("state", ["é", "ștare-ănsă", "9" * 25])
def test_a_non_ascii_oauth_state_is_refused_as_a_wrong_state(app, world, state):
    from hostico.staff.efactura import OAUTH_STATE_KEY
    from tests.conftest import reconfigure

    reconfigure(app, EFACTURA="simulate")
    client = app.test_client()
    act_as(client, "staff", world)
    with client.session_transaction() as sess:
        sess[OAUTH_STATE_KEY] = "the-state-this-session-sent"
    resp = client.get("/staff/efactura/oauth/callback", query_string={"state": state, "code": "c0de"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/efactura")
    assert "could not be verified" in client.get("/staff/efactura").get_data(as_text=True)

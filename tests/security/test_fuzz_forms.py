"""docs/security.md 18: odd input in any form (quotes, %, very long strings, Unicode, NUL, markup) never yields a 500.

Forms are found by GETting every page as an anonymous visitor, a customer and a staff user and parsing
their <form> elements; hypothesis then posts generated text into every field with a valid CSRF token.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hostico.web.extensions import limiter
from tests.factories import PASSWORD
from tests.security.conftest import ROLES, act_as, discover_forms, get_pages, signed_csrf
from tests.security.discover import is_local_location

# Markup that must never come back unescaped in a page (docs/security.md item 17).
XSS = "<script>hostico_xss(1)</script>"
NASTY = ["'", '"', "' OR '1'='1", "%", "%%", "_%", "\\", "\x00", "a\x00b", XSS, '"><img src=x onerror=alert(1)>',
         "{{ 7*7 }}", "{% raw %}", "${7*7}", "\u202e", "ăîșțâ ĂÎȘȚÂ", "😀" * 3, "\r\n", "-1", "0", "1e309",
         "NaN", "99999999999999999999999", "2026-02-30", " ", "", "null", "[]", "../../etc/passwd"]
SWEEP = ["'\"%_\\" + XSS, "a" * 5000, "-1", "ăș😀\u202e"]
field_text = st.one_of(
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.sampled_from(NASTY)),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.builds(lambda s, n: s * n, st.sampled_from(["a", "ș", "%'", "<b>"]), st.integers(1000, 20000)),
)


def _plausible(form, name: str, world) -> list[str]:
    """Values a real user would type, so the fuzzing also gets past validation into the view's logic."""
    kind, lname = form.types.get(name, "text"), name.lower()
    if name in form.options:
        return form.options[name]
    if kind == "email" or "email" in lname:
        return [world.alice.email, "someone.new@example.com"]
    if kind == "password" or "password" in lname:
        return [PASSWORD, "a-new-password-2026"]
    if kind == "tel" or "phone" in lname:
        return ["+40722123456", "0722 123 456", "0212345678"]
    if kind == "number" or any(w in lname for w in ("amount", "total", "price", "quantity")):
        return ["1", "10.00", "0", "-5"]
    if kind == "date" or "date" in lname:
        return [dt.date.today().isoformat()]
    if "cnp" in lname:
        return ["2850315123457"]
    if any(w in lname for w in ("cui", "cif", "vat")):
        return ["34567892", "RO34567892"]
    return ["Test value", form.fields.get(name, "")]


def _reflects_markup(resp) -> bool:
    return resp.mimetype == "text/html" and XSS in resp.get_data(as_text=True)


def _fuzz_form(app, client, world, role, form, failures):
    keep = {"csrf_token"}
    fuzzable = [n for n in form.fields if n not in keep]
    if not fuzzable:
        fuzzable = ["unexpected"]  # still post junk: an extra field must not break the view
    plausible = {n: st.sampled_from(_plausible(form, n, world)) for n in fuzzable}
    # Mostly one odd field among plausible ones (so validation of the others passes and the odd value
    # reaches the view's logic), sometimes every field odd at once.
    one_odd = st.sampled_from(fuzzable).flatmap(
        lambda target: st.fixed_dictionaries({n: field_text if n == target else plausible[n] for n in fuzzable}))
    all_odd = st.fixed_dictionaries({n: field_text for n in fuzzable})

    @settings(max_examples=15, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(one_odd, one_odd, one_odd, all_odd))
    def run(values):
        act_as(client, role, world)
        data = dict(form.fields, **values)
        if form.method == "GET":
            resp = client.get(form.action, query_string=data)
        else:
            data["csrf_token"] = signed_csrf(app)
            headers = {"HX-Request": "true"} if form.htmx else {}
            resp = client.open(form.action, method=form.method, data=data, headers=headers)
        assert resp.status_code < 500, f"{resp.status_code} for {data!r}"[:2000]
        assert is_local_location(resp.headers.get("Location")), resp.headers.get("Location")
        assert not _reflects_markup(resp), f"markup shown unescaped for {data!r}"[:2000]

    # Explicit examples first: each of the worst values in each field, the other fields plausible.
    base = {n: _plausible(form, n, world)[0] for n in fuzzable}
    for name in fuzzable:
        for odd in SWEEP:
            run = example(dict(base, **{name: odd}))(run)
    try:
        run()
    except Exception as exc:  # collect every broken form, not just the first
        failures.append(f"{role} {form.method} {form.action} (from {form.page}): {exc}"[:3000])


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_form_yields_a_server_error_on_odd_input(app, world, role):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash shows as a 500, as it would in production
    forms = discover_forms(app, world, role)
    if role != "staff":
        assert forms, f"no form found for {role}"
    client = app.test_client()
    failures: list[str] = []
    limiter.enabled = False  # rate limits are tested on their own; here they would hide the views
    try:
        for form in forms:
            _fuzz_form(app, client, world, role, form, failures)
    finally:
        limiter.enabled = True
    # Whatever the forms saved, every page still shows it as text.
    for url in get_pages(app, role, world):
        act_as(client, role, world)
        if _reflects_markup(client.get(url)):
            failures.append(f"{url} shows saved markup unescaped")
    assert not failures, "\n\n".join(failures)


def test_the_discovery_finds_the_login_and_logout_forms(app, world):
    public = {(f.method, f.action, tuple(sorted(f.fields))) for f in discover_forms(app, world, "public")}
    customer = {(f.method, f.action) for f in discover_forms(app, world, "customer")}
    assert ("POST", "/login", ("csrf_token", "email", "password")) in public, public
    assert ("POST", "/logout") in customer, customer


def test_nul_bytes_are_refused_cleanly(app, client):
    resp = client.post_form("/login", {"email": "a\x00@example.com", "password": "x"})
    assert resp.status_code == 400


def test_the_nul_guard_leaves_the_raw_body_to_signed_webhooks(test_config):
    from hostico.web.app import create_app
    from hostico.web.extensions import csrf

    app = create_app(test_config)

    @app.route("/_webhook_probe", methods=["POST"])
    def webhook_probe():
        from flask import request

        return request.get_data()

    app.view_functions["webhook_probe"].is_public = True
    csrf.exempt("tests.security.test_fuzz_forms.webhook_probe")
    resp = app.test_client().post("/_webhook_probe", data={"event": "paid", "id": "evt_1"})
    assert resp.status_code == 200 and resp.data == b"event=paid&id=evt_1"

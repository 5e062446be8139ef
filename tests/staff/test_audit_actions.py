"""The audit log's Action column in words (docs/staff-area.md#audit-log): every code hostico/ records has a label
in English and Romanian, so a new code cannot slip through as a bare `service.suspended`."""

from __future__ import annotations

import ast
import functools
import pathlib
import re

from hostico.audit import record
from hostico.locales import translations
from hostico.web.audit_words import AUDIT_ACTIONS

ROOT = pathlib.Path(__file__).resolve().parents[2] / "hostico"
# hostico.audit.record and the wrappers that pass their `action` on to it.
AUDIT_CALLS = {"record": 1, "audit": 1, "_audit": 0, "record_link_event": 1, "entry_values": 0, "link_event": 0}
KINDS = ("customer", "staff")  # what `{user.kind}` / `{kind}` in a formatted code may be
CODE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _strings(node: ast.AST, params: dict[str, set[str]]) -> set[str] | None:
    """The values a constant or formatted string can take, or None when it cannot be read from the source."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if not isinstance(node, ast.JoinedStr):
        return None
    out = {""}
    for part in node.values:
        if isinstance(part, ast.Constant):
            options = {str(part.value)}
        else:
            key = _name(part.value)  # type: ignore[attr-defined]
            options = set(KINDS) if key == "kind" else params.get(key or "")  # type: ignore[assignment]
            if options is None:
                return None
        out = {a + b for a in out for b in options}
    return out


def _codes_of(call: ast.Call, func: ast.FunctionDef | None, module_funcs: dict[str, ast.FunctionDef]
              ) -> set[str] | None:
    """The action codes one audit call can write; an empty set for a wrapper passing its own parameter on."""
    position = AUDIT_CALLS[_name(call.func) or ""]
    if len(call.args) <= position:
        return set()  # not hostico.audit.record (e.g. the worker's local record(fn))
    arg = call.args[position]
    found = _strings(arg, {})
    if found is None and isinstance(arg, ast.Call) and _name(arg.func) in module_funcs:  # stepup's _action(user, x)
        helper = module_funcs[_name(arg.func) or ""]
        returned = next(n.value for n in ast.walk(helper) if isinstance(n, ast.Return) and n.value is not None)
        params = {p.arg: {a.value} for p, a in zip(helper.args.args, arg.args, strict=False)
                  if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        found = _strings(returned, params)
    if found is None and isinstance(arg, ast.Name) and func is not None:
        if arg.id in {a.arg for a in func.args.args + func.args.kwonlyargs}:
            return set()  # a wrapper: its callers are read instead
        found = {n.value for a in ast.walk(func) if isinstance(a, ast.Assign)
                 and any(_name(t) == arg.id for t in a.targets)
                 for n in ast.walk(a.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and CODE.match(n.value)} or None
    return found


@functools.cache
def audit_codes_in_source() -> tuple[frozenset[str], tuple[str, ...]]:
    """Every action code an audit call in hostico/ can write, and the calls whose code could not be read
    (read once per test process: both tests below ask)."""
    codes: set[str] = set()
    unread: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        in_functions = {id(node) for f in module_funcs.values() for node in ast.walk(f)}
        for func in [None, *module_funcs.values()]:
            body = tree if func is None else func
            for call in ast.walk(body):
                if not (isinstance(call, ast.Call) and _name(call.func) in AUDIT_CALLS):
                    continue
                if func is None and id(call) in in_functions:
                    continue  # read with its function
                found = _codes_of(call, func, module_funcs)
                if found is None:
                    unread.append(f"{path.relative_to(ROOT.parent)}:{call.lineno}")
                else:
                    codes |= found
    return frozenset(codes), tuple(unread)


def test_every_audit_code_in_the_code_has_a_label():
    codes, unread = audit_codes_in_source()
    assert not unread, f"audit calls whose action code this test cannot read: {unread}"
    # The reader is not blind: it finds the literal, formatted, helper-made and variable codes.
    assert {"service.suspended", "staff.login", "customer.login", "customer.step_up_refused", "customer.sms_off",
            "maillogin.used", "access.refused", "staff.2fa_failed"} <= codes
    assert all(CODE.match(code) for code in codes), sorted(c for c in codes if not CODE.match(c))
    missing = sorted(codes - AUDIT_ACTIONS.keys())
    assert not missing, f"add a label to hostico/web/audit_words.py for: {missing}"


def test_every_audit_label_is_in_romanian_and_none_is_left_over():
    codes, _ = audit_codes_in_source()
    assert sorted(AUDIT_ACTIONS.keys() - codes) == [], "labels for codes nothing records any more"
    ro = translations("ro")
    untranslated = [msg for msg in AUDIT_ACTIONS.values() if ro.ugettext(msg) == msg]
    assert not untranslated
    assert ro.ugettext(AUDIT_ACTIONS["service.suspended"]) == "Serviciu suspendat"


def test_the_audit_log_and_customer_page_say_the_action_in_words(client, make, session, login_staff):
    customer = make.make_customer(name="Maria Ionescu")
    record(session, "service.suspended", actor_kind="system", customer_id=customer.id, data={"reason": "abuse"})
    record(session, "customer.sms_on", actor_kind="customer", actor_id=customer.id, customer_id=customer.id)
    record(session, "legacy.code", actor_kind="system", customer_id=customer.id)  # an old row: shown as it is
    session.commit()
    login_staff(client, make.make_staff(role="admin"))
    for url in ("/staff/audit", f"/staff/customers/{customer.id}"):
        en = client.get(url + "?lang=en").get_data(as_text=True)
        assert 'data-label="Action">Service suspended <code class="muted">service.suspended</code>' in en, url
        assert "SMS notifications turned on" in en and "legacy.code" in en, url
        ro = client.get(url + "?lang=ro").get_data(as_text=True)
        assert "Serviciu suspendat <code" in ro and "Notificări SMS activate" in ro, url
        assert ">service.suspended</td>" not in ro, url
    filtered = client.get("/staff/audit?action=service.&lang=en").get_data(as_text=True)
    assert "Service suspended" in filtered and "SMS notifications turned on" not in filtered


def test_the_audit_log_names_its_facts_and_a_visitor_in_words(client, make, session, login_staff):
    """A staff login's facts and a refusal to someone not logged in read in the page's language, not as keys."""
    record(session, "staff.2fa_failed", actor_kind="anonymous", data={"step": "login"})
    record(session, "payment.recorded", data={"proforma": "HPF-000001", "tax_invoice": "HST-000001",
                                              "method": "card", "via": "password", "session": 3})
    session.commit()
    login_staff(client, make.make_staff(role="admin"))
    ro = client.get("/staff/audit?lang=ro").get_data(as_text=True)
    assert "neautentificat" in ro and ">anonymous<" not in ro and "anonymous (" not in ro
    for label in ("pas: login", "proformă: HPF-000001", "factura fiscală: HST-000001", "metodă: card", "prin: password",
                  "sesiune: 3"):
        assert label in ro, label
    en = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "not logged in" in en and "through: password" in en and "tax invoice: HST-000001" in en

"""Find what the security suite checks by walking the app: routes from `app.url_map`, forms from pages.

Nothing here is a hand list of routes: a route added on any branch is picked up on the next run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask import Flask
from werkzeug.routing import Rule

from hostico.web.security import is_public_endpoint

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# URL arguments that do not name an object owned by a customer: mail-login tokens and the shared catalogue.
SHARED_ARGS = ("token", "product_id", "product_code", "plan", "cycle", "page", "lang", "locale")


def view_location(app: Flask, rule: Rule) -> str:
    """Return the dotted path flask-wtf uses to decide whether a view is CSRF-exempt."""
    view = app.view_functions[rule.endpoint]
    return f"{view.__module__}.{view.__name__}"


def is_csrf_exempt(app: Flask, rule: Rule) -> bool:
    """Say whether flask-wtf skips the CSRF check for this rule (exempt view or exempt blueprint)."""
    csrf = app.extensions["csrf"]
    blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
    if blueprint and app.blueprints.get(blueprint) in csrf._exempt_blueprints:
        return True
    return view_location(app, rule) in csrf._exempt_views


def role_of(app: Flask, rule: Rule) -> str:
    """Who normally uses a route: 'public' (no login), 'staff' (under /staff) or 'customer'."""
    with app.test_request_context():
        if is_public_endpoint(rule.endpoint):
            return "public"
    return "staff" if rule.endpoint.startswith("staff.") else "customer"


def app_rules(app: Flask, methods: tuple[str, ...]) -> list[Rule]:
    """Every rule of the app (static files aside) that accepts one of methods."""
    return [r for r in app.url_map.iter_rules()
            if r.endpoint != "static" and not r.endpoint.endswith(".static") and set(methods) & set(r.methods)]


def build_url(rule: Rule, values: dict[str, object], fallback: object | None = "1") -> str | None:
    """Build rule's URL from values (by argument name); unknown arguments get fallback, or None if no fallback."""
    args = {}
    for name in rule.arguments:
        if name in values:
            args[name] = values[name]
        elif fallback is None:
            return None
        else:
            args[name] = fallback
    return rule.build(args, append_unknown=False)[1]


def is_local_location(location: str | None) -> bool:
    """Say whether a redirect target stays on this site, read the way browsers read it."""
    if not location:
        return True
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    if cleaned.startswith("//"):
        return False
    if parts.scheme and parts.scheme not in ("http", "https"):
        return False
    return not parts.netloc or parts.netloc in ("localhost", "127.0.0.1")


@dataclass
class Form:
    """A <form> found on a page: where it goes and the fields it sends."""

    page: str
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    htmx: bool = False
    types: dict[str, str] = field(default_factory=dict)  # field name -> input type (text, email, ...)
    options: dict[str, list[str]] = field(default_factory=dict)  # values offered by selects and radios

    @property
    def key(self) -> tuple:
        return (self.method, urlsplit(self.action).path, tuple(sorted(self.fields)))


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._current, self._textarea, self._select = page, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = (a.get("hx-post") and "post") or a.get("method", "get")
            action = a.get("action") or a.get("hx-post") or self.page
            self._current = Form(self.page, method.upper(), urljoin(self.page, action),
                                 htmx=any(k.startswith("hx-") for k in a))
            return
        if self._current is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                self._current.options.setdefault(name, []).append(a.get("value", "on"))
                if name in self._current.fields and "checked" not in a:
                    return
            self._current.fields[name] = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            self._current.types[name] = kind
        elif tag == "button" and a.get("value"):
            self._current.fields.setdefault(name, a["value"])
        elif tag == "textarea":
            self._textarea = name
            self._current.fields[name] = ""
            self._current.types[name] = "textarea"
        elif tag == "select":
            self._select = name
            self._current.fields[name] = ""
            self._current.types[name] = "select"
        elif tag == "option" and self._select:
            self._current.options.setdefault(self._select, []).append(a.get("value", ""))
            if not self._current.fields[self._select] or "selected" in a:
                self._current.fields[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def parse_forms(page: str, html: str) -> list[Form]:
    """Return every form of an HTML page (hx-post forms included), with their default field values."""
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


def script_sources(html: str) -> list[tuple[str, str | None]]:
    """Return (src, integrity) of every <script> with a src on an HTML page."""
    found: list[tuple[str, str | None]] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "script" and a.get("src"):
                found.append((a["src"], a.get("integrity")))

    P().feed(html)
    return found

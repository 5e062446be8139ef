"""Bounded ids: an id from a URL, a query string or a form is plain ASCII digits within the id columns' range.

A 25-digit id overflows SQLite's INTEGER and PostgreSQL's (a 500), and Python's int() takes Unicode digits
('٣' is 3): neither names a row. Routes take ids through the `int` converter registered by `init_app` (it
replaces werkzeug's), views read query and form ids through `parse_id`; anything else is a 404 or a field error
(docs/security.md item 18; tests/security/test_bounded_ids.py walks the URL map).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # the largest value of an INTEGER id column on PostgreSQL (and well inside SQLite's)
_DIGITS = 10  # len(str(MAX_ID))


def parse_id(raw: object) -> int | None:
    """Return raw as an id (1..MAX_ID, ASCII digits only, no sign, space or leading zero), else None."""
    if not isinstance(raw, str) or not 0 < len(raw) <= _DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    if raw[0] == "0":
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


class BoundedIdConverter(IntegerConverter):
    """werkzeug's `int` converter for ids: ASCII digits only and at most MAX_ID, else the route does not match."""

    regex = rf"[0-9]{{1,{_DIGITS}}}"

    def to_python(self, value: str) -> int:
        found = parse_id(value)
        if found is None:
            raise ValidationError()
        return found


def init_app(app: Flask) -> None:
    """Make every `<int:…>` route argument a bounded id (registered before the blueprints)."""
    app.url_map.converters["int"] = BoundedIdConverter

"""Pages in words: a label for every code a page shows, people by name, and changes as "from → to".

Staff pages used to print what the database holds ("VAT: S", "21.00", "SECTOR1", "uploadb2c",
"payment_receipt", "staff #1", raw JSON with \\u escapes); these helpers say it in the reader's language
(docs/staff-area.md#staff-pages-in-words). Template filters and globals are installed by `init_app`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from flask import Flask
from sqlalchemy import select

from hostico import locales
from hostico.efactura import counties
from hostico.errors import N_
from hostico.models import Customer, StaffUser
from hostico.web.i18n import labels, language

# EN 16931 VAT category codes (UNCL5305) and what each means on an invoice.
VAT_CATEGORIES = {
    "S": N_("standard rate"), "AE": N_("reverse charge"), "O": N_("not subject to Romanian VAT"),
    "Z": N_("zero rate"), "E": N_("exempt"), "K": N_("intra-EU supply"), "G": N_("export outside the EU"),
}
EFACTURA_ROUTES = {"upload": N_("business buyer (upload)"), "uploadb2c": N_("consumer (uploadb2c)")}
CHANNELS = {"email": N_("email"), "sms": N_("SMS")}
# The outbox's events (hostico/notify/events.py): what kind of message each one is.
MESSAGE_EVENTS = {
    "proforma_order": N_("Proforma for an order"), "proforma_system": N_("Renewal proforma"),
    "reminder": N_("Payment reminder"), "payment_receipt": N_("Payment receipt"),
    "suspension": N_("Suspension notice"), "unsuspension": N_("Service active again"),
    "termination": N_("Termination notice"), "order_expired": N_("Unpaid order expired"),
    "credit_note": N_("Credit note"), "invoice_resend": N_("Invoice sent again"),
    "billing_data_needed": N_("Billing data needed"), "email_change_confirm": N_("Confirm the new email address"),
    "email_change_taken": N_("Email address already in use"), "email_changed": N_("Email address changed"),
    "anaf_token_expiry": N_("ANAF token expiring"),
}
# Names of the fields that history entries and audit records compare.
FIELDS = {
    "kind": N_("kind"), "name": N_("name"), "company_name": N_("company name"), "cui": N_("CUI"), "cnp": N_("CNP"),
    "reg_com": N_("trade register number"), "vat_number": N_("EU VAT number"), "address": N_("address"),
    "city": N_("city"), "county": N_("county"), "sector": N_("sector"), "postal_code": N_("postal code"),
    "country": N_("country"), "total": N_("total"), "subtotal": N_("net"), "vat_total": N_("VAT"),
    "vat_category": N_("VAT category"), "vat_mention": N_("VAT mention"), "currency": N_("currency"),
    "email": N_("email"), "phone": N_("phone"), "language": N_("language"), "label": N_("label"),
    "is_default": N_("default"), "vies": N_("VIES answer"), "reason": N_("reason"), "note": N_("staff note"),
    "code": N_("document"), "amount": N_("amount"), "status": N_("status"), "buyer": N_("buyer"),
    "before": N_("before"), "after": N_("after"), "via": N_("through"), "session": N_("session"),
    "method": N_("method"), "proforma": N_("proforma"), "tax_invoice": N_("tax invoice"), "step": N_("step"),
}
_MAPS = {"vat_category": VAT_CATEGORIES, "efactura_route": EFACTURA_ROUTES, "channel": CHANNELS,
         "message_event": MESSAGE_EVENTS, "field": FIELDS}


def word(map_name: str, code: str | None, lang: str | None = None) -> str:
    """Return the translated label of a code from one of the maps above (the code itself when unknown)."""
    msg = _MAPS[map_name].get(code or "")
    return locales.translations(lang or language()).ugettext(msg) if msg else (code or "")


def vat_category_label(code: str | None) -> str:
    """'S' -> 'S — standard rate' (the code stays: it is what e-Factura and accountants read)."""
    return f"{code} — {word('vat_category', code)}" if code in VAT_CATEGORIES else (code or "")


def percent(rate: Decimal | str | int | None) -> str:
    """A VAT rate as a percentage in the reader's language: 21.00 -> '21%', 5.5 -> '5,5%' in Romanian."""
    if rate is None or rate == "":
        return ""
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        return str(rate)
    return f"{format_decimal(value, format='#,##0.##', locale=language())}%"


def place(city: str | None, county: str | None = None) -> str:
    """A city and county in words: 'SECTOR1', 'RO-B' -> 'Sector 1, București'; 'RO-CJ' -> 'Cluj'."""
    parts = [counties.sector_label(city) or city or ""]
    if county:
        parts.append(counties.county_name(county))
    return ", ".join(p for p in parts if p)


def address_line(buyer: Mapping[str, Any] | Any) -> str:
    """One line of a buyer's or profile's address: street, city or sector, county name, postal code, country."""
    get = buyer.get if isinstance(buyer, Mapping) else (lambda key: getattr(buyer, key, None))
    city = get("city") or get("sector")
    country = (get("country") or "").upper()
    names = locales.country_names(language())
    return ", ".join(p for p in (get("address"), place(city, get("county")), get("postal_code"),
                                 names.get(country, country)) if p)


# Fields whose stored value is itself a code with a label (hostico/web/i18n.py LABEL_MAPS).
_VALUE_LABELS = {"reason": "suspension_reason", "previous_reason": "suspension_reason", "method": "payment_method",
                 "status": "status", "kind": "buyer_kind", "origin": "origin"}


def _plain(value: Any, field: str | None = None) -> str:
    """A stored value as a person reads it: no JSON escapes, codes in words, empty as a dash."""
    if value is None or value == "":
        return "—"
    if field in _VALUE_LABELS and isinstance(value, str):
        return labels(_VALUE_LABELS[field]).get(value, value)
    if isinstance(value, bool):
        return locales.translations(language()).ugettext(N_("yes") if value else N_("no"))
    if isinstance(value, str):
        if value in counties.SECTORS:
            return counties.sector_label(value) or value
        if counties.is_county_code(value):
            return counties.county_name(value)
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{word('field', k)}: {_plain(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """What changed between two snapshots, as (field, from, to) in words; nested dicts compared field by field."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out = []
        for key in dict.fromkeys([*before, *after]):
            old, new = before.get(key), after.get(key)
            if old == new or (old in (None, "") and new in (None, "")):
                continue
            if isinstance(old, Mapping) and isinstance(new, Mapping) and key != "vies":
                out += [(f"{word('field', key)} · {f}", a, b) for f, a, b in changes(old, new)]
            else:
                out.append((word("field", key), _plain(old, key), _plain(new, key)))
        return out
    if before == after:
        return []
    return [("", _plain(before), _plain(after))]


def audit_details(data: Mapping[str, Any] | None) -> dict[str, list]:
    """An audit record's data in words: its changes (before → after) and its other facts (field: value)."""
    data = dict(data or {})
    before, after = data.pop("before", None), data.pop("after", None)
    diff = changes(before, after) if before is not None or after is not None else []
    facts = [(word("field", k), _plain(v, k)) for k, v in data.items() if v not in (None, "")]
    return {"changes": diff, "facts": facts}


def actor_names(rows: Iterable[Any]) -> Callable[[Any], str]:
    """Return who(row): the staff member's or customer's name for rows with actor_kind/actor_id (two queries)."""
    from hostico.web.database import db

    rows = list(rows)
    staff_ids = {r.actor_id for r in rows if r.actor_kind == "staff" and r.actor_id}
    customer_ids = {r.actor_id for r in rows if r.actor_kind == "customer" and r.actor_id}
    names = {("staff", i): n for i, n in db.session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(staff_ids))).all()} if staff_ids else {}
    if customer_ids:
        names.update({("customer", i): n for i, n in db.session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))).all()})

    def who(row: Any) -> str:
        kind = labels("actor").get(row.actor_kind, row.actor_kind)
        name = names.get((row.actor_kind, row.actor_id))
        if name:
            return f"{name} ({kind})"
        return f"{kind} #{row.actor_id}" if row.actor_id else kind
    return who


def key_groups(key: str | None, size: int = 4) -> str:
    """A key to type by hand in groups of four: 'JBSWY3DPEHPK3PXP' -> 'JBSW Y3DP EHPK 3PXP' (apps ignore spaces)."""
    key = key or ""
    return " ".join(key[i:i + size] for i in range(0, len(key), size))


def init_app(app: Flask) -> None:
    """Install the filters and globals the templates use."""
    app.jinja_env.filters.update(
        vat_category=vat_category_label, percent=percent, efactura_route=lambda c: word("efactura_route", c),
        channel_label=lambda c: word("channel", c), message_event=lambda c: word("message_event", c),
        payment_method_label=lambda c: labels("payment_method").get(c or "", c or ""), place=place,
        address_line=address_line, key_groups=key_groups)
    app.jinja_env.globals.update(changes=changes, audit_details=audit_details)

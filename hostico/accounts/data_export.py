"""A customer's own data, for "Download my data" in My Details (GDPR art. 15 and 20; docs/accounts.md).

`export_data` gathers everything the account holds about the customer as plain JSON values: the account,
billing profiles, services, invoices (with their lines), consents and login sessions. Secrets never leave:
password and TOTP hashes, session and link tokens, recovery codes. The web layer zips it with the invoices'
PDFs. `record_export` audits the download (flushes; the caller commits).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.audit import record as audit
from hostico.models import BillingProfile, Customer, Invoice, InvoiceLine, Order, Product, Service, UserSession

FORMAT = "hostico-data-export/1"
# Columns that never leave the database: secrets, and internal counters that say nothing about the person.
SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "totp_last_counter", "token_hash", "session_epoch",
                            "second_factor_failures", "second_factor_failed_at", "customer_id"})


def _value(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def _row(obj: object, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every column of a row as JSON values, secrets and `skip` left out."""
    table = obj.__table__  # type: ignore[attr-defined]
    return {c.key: _value(getattr(obj, c.key)) for c in table.columns
            if c.key not in SECRET_COLUMNS and c.key not in skip}


def export_data(s: Session, customer: Customer, *, now: dt.datetime) -> dict[str, Any]:
    """Return the customer's data as one JSON-serialisable dict."""
    profiles = s.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id)
                         .order_by(BillingProfile.id)).all()
    services = s.execute(select(Service, Product.name).join(Product, Product.id == Service.product_id)
                         .where(Service.customer_id == customer.id).order_by(Service.id)).all()
    orders = s.scalars(select(Order).where(Order.customer_id == customer.id).order_by(Order.id)).all()
    invoices = s.scalars(select(Invoice).where(Invoice.customer_id == customer.id).order_by(Invoice.id)).all()
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id.in_([i.id for i in invoices]))
                          .order_by(InvoiceLine.id)):
        lines.setdefault(line.invoice_id, []).append(_row(line, skip=frozenset({"invoice_id"})))
    sessions = s.scalars(select(UserSession).where(UserSession.kind == "customer",
                                                   UserSession.customer_id == customer.id)
                         .order_by(UserSession.id)).all()
    return {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "account": {**_row(customer), "two_factor_enabled": bool(customer.totp_enabled)},
        "billing_profiles": [_row(p) for p in profiles],
        "services": [{**_row(service), "plan": name} for service, name in services],
        "orders": [_row(o) for o in orders],
        "invoices": [{**_row(i), "lines": lines.get(i.id, []), "pdf": f"invoices/{i.code}.pdf"} for i in invoices],
        "consents": {"sms_notifications": {"given": bool(customer.sms_opt_in),
                                           "at": _value(customer.sms_consent_at),
                                           "phone": customer.phone_e164}},
        "sessions": [_row(r, skip=frozenset({"staff_id", "kind"})) for r in sessions],
    }


def invoices_to_export(s: Session, customer: Customer) -> list[Invoice]:
    """The customer's invoices whose PDFs go into the download, oldest first."""
    return list(s.scalars(select(Invoice).where(Invoice.customer_id == customer.id).order_by(Invoice.id)))


def record_export(s: Session, customer: Customer, *, ip: str | None = None, invoices: int = 0) -> None:
    """Audit a download of the customer's data (`customer.data_exported`)."""
    audit(s, "customer.data_exported", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"invoices": invoices})
    s.flush()

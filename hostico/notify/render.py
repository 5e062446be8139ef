"""Render outbox messages from templates/email/* and templates/sms/* (plain Jinja, no Flask).

Rendering happens once, at the first delivery attempt; the result is kept on the outbox row so a
retry sends exactly the same content.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from hostico.maillogin.links import invoice_link
from hostico.models import Customer, Invoice, OutboxMessage, Service
from hostico.notify.settings import NotifySettings
from hostico.notify.sms.gsm7 import prepare_sms_text

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "templates")
REASON_LABELS = {"nonpayment": "unpaid invoice", "abuse": "abuse", "other": "other reasons"}


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


def money(amount: Decimal, currency: str = "RON") -> str:
    """Format an amount as '1,234.50 RON' (plain ASCII: it must survive GSM-7 too)."""
    return f"{format_decimal(Decimal(amount), format='#,##0.00', locale='en')} {currency}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment for notification templates (HTML autoescaped, text not)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.install_null_translations(newstyle=True)
    env.filters["money"] = money
    env.filters["date"] = lambda value: format_date(value, "medium", locale="en") if value else ""
    env.filters["reason"] = lambda reason: REASON_LABELS.get(reason or "", reason or "")
    return env


def _context(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> dict:
    customer = session.get(Customer, msg.customer_id) if msg.customer_id else None
    invoice = session.get(Invoice, msg.invoice_id) if msg.invoice_id else None
    service = session.get(Service, msg.service_id) if msg.service_id else None
    base = settings.base_url.rstrip("/")
    ctx = dict(msg.context or {})
    invoice_url = None
    if invoice is not None and msg.channel == "email" and customer is not None:
        invoice_url = invoice_link(
            session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code, sent_at=now,
            base_url=base, secret_key=settings.secret_key, outbox_message_id=msg.id,
        )
    return {
        "customer": customer, "invoice": invoice, "service": service, "ctx": ctx, "event": msg.event,
        "base_url": base, "invoice_url": invoice_url,
        "invoice_page_url": f"{base}/invoices/{invoice.code}" if invoice is not None else None,
        "services_url": f"{base}/services", "invoices_url": f"{base}/invoices",
        "reason": ctx.get("reason") or ctx.get("suspension_reason") or (service.suspension_reason if service else None),
    }


def render_email(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render the subject, text and HTML of an email (minting its invoice link as sent at `now`)."""
    ctx = _context(session, msg, settings, now)
    env = environment()
    text_module = env.get_template(f"email/{msg.template}.txt").make_module(ctx)
    html = env.get_template(f"email/{msg.template}.html").render(ctx)
    subject = " ".join(str(getattr(text_module, "subject", "Hostico")).split())
    return Rendered(subject=subject, text=str(text_module).strip() + "\n", html=html)


def render_sms(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render an SMS as GSM-7 text; raises MessageTooLong beyond HOSTICO_SMS_MAX_SEGMENTS."""
    ctx = _context(session, msg, settings, now)
    raw = environment().get_template(f"sms/{msg.template}.txt").render(ctx)
    return Rendered(subject=None, text=prepare_sms_text(raw, settings.sms_max_segments), html=None)


def render(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render a message of either channel."""
    if msg.channel == "sms":
        return render_sms(session, msg, settings, now)
    return render_email(session, msg, settings, now)

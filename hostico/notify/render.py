"""Render outbox messages from templates/email/* and templates/sms/* (plain Jinja, no Flask).

Rendering happens once, at the first delivery attempt; the result is kept on the outbox row so a
retry sends exactly the same content. The invoice's mail-login link is not part of it: the stored body
holds `notify.links.LINK_PLACEHOLDER`, which the worker replaces with a live link when it sends.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico import locales
from hostico.errors import N_
from hostico.models import Customer, Invoice, OutboxMessage, Service
from hostico.models.outbox import Channel
from hostico.notify.account_links import ACCOUNT_LINK_PLACEHOLDER
from hostico.notify.links import LINK_PLACEHOLDER
from hostico.notify.settings import NotifySettings
from hostico.notify.sms.gsm7 import prepare_sms_text

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "templates")
BODY_START, BODY_END = "<!--body-->", "<!--/body-->"  # around the message in email/_layout.html
REASON_LABELS = {"nonpayment": N_("unpaid invoice"), "abuse": N_("abuse"), "other": N_("other reasons")}


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


def money(amount: Decimal, currency: str = "RON", language: str = "en") -> str:
    """Format an amount as '1,234.50 RON' / '1.234,50 lei' (plain ASCII: it must survive GSM-7 too)."""
    return locales.format_money(Decimal(amount), currency, language)


@lru_cache(maxsize=len(locales.SUPPORTED_LOCALES))
def environment(language: str = "en") -> Environment:
    """The Jinja environment for notification templates in one language (HTML autoescaped, text not)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    catalogue = locales.translations(language)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.globals["language"] = language
    env.filters["money"] = lambda amount, currency="RON": money(amount, currency, language)
    env.filters["date"] = lambda value: locales.format_date(value, language)
    env.filters["short_date"] = lambda value: locales.format_date(value, language, short=True)
    env.filters["reason"] = lambda reason: catalogue.ugettext(REASON_LABELS.get(reason or "", reason or ""))
    return env


def message_language(customer: Customer | None) -> str:
    """Return the language of a customer's messages: the one saved in My Details."""
    return locales.supported(customer.language if customer is not None else None)


def _context(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> dict[str, Any]:
    customer = session.get(Customer, msg.customer_id) if msg.customer_id else None
    invoice = session.get(Invoice, msg.invoice_id) if msg.invoice_id else None
    service = session.get(Service, msg.service_id) if msg.service_id else None
    base = settings.base_url.rstrip("/")
    ctx = dict(msg.context or {})
    # The login link is made when the email is sent (worker), never stored: here only its placeholder.
    has_link = invoice is not None and msg.channel == Channel.EMAIL and customer is not None
    invoice_url = LINK_PLACEHOLDER if has_link else None
    return {
        "customer": customer, "invoice": invoice, "service": service, "ctx": ctx, "event": msg.event,
        "base_url": base, "invoice_url": invoice_url, "account_url": ACCOUNT_LINK_PLACEHOLDER,
        "invoice_page_url": f"{base}/invoices/{invoice.code}" if invoice is not None else None,
        "services_url": f"{base}/services", "invoices_url": f"{base}/invoices",
        "reason": ctx.get("reason") or ctx.get("suspension_reason") or (service.suspension_reason if service else None),
        "invoice_services": _services_of(session, invoice),
    }


def _services_of(session: Session, invoice: Invoice | None) -> list[str]:
    """The domains an invoice bills (its lines' services), for the emails that ask for payment."""
    if invoice is None:
        return []
    ids = sorted({line.service_id for line in invoice.lines if line.service_id})
    if not ids:
        return []
    return list(session.scalars(select(Service.domain).where(Service.id.in_(ids)).order_by(Service.id)))


def _render_email_in(language: str, msg: OutboxMessage, ctx: dict[str, Any]) -> Rendered:
    env = environment(language)
    text_module = env.get_template(f"email/{msg.template}.txt").make_module(ctx)
    html = env.get_template(f"email/{msg.template}.html").render(ctx)
    subject = " ".join(str(getattr(text_module, "subject", "Hostico")).split())
    return Rendered(subject=subject, text=str(text_module).strip() + "\n", html=html)


def render_email(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render the subject, text and HTML of an email (its invoice link as a placeholder).

    An email about an invoice to a customer of another language is bilingual, Romanian first (as the
    invoice itself: docs/fiscal.md), the customer's language after it."""
    ctx = _context(session, msg, settings, now)
    language = message_language(ctx["customer"]) if ctx["customer"] is not None else locales.supported(
        ctx["ctx"].get("language"))  # a staff user's, or a visitor's chosen at sign-up
    own = _render_email_in(language, msg, ctx)
    if language == "ro" or ctx["invoice"] is None:
        return own
    romanian = _render_email_in("ro", msg, ctx)
    html = own.html
    if romanian.html and own.html and BODY_START in own.html and BODY_END in romanian.html:
        body = own.html.split(BODY_START, 1)[1].split(BODY_END, 1)[0]
        head, tail = romanian.html.split(BODY_END, 1)
        html = (f'{head}<hr style="border:0;border-top:1px solid #dde1ea;margin:20px 0;">'
                f'<div lang="{language}">{body}</div>{BODY_END}{tail}')
    return Rendered(subject=f"{romanian.subject} / {own.subject}",
                    text=f"{romanian.text}\n-----\n\n{own.text}", html=html)


def render_sms(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render an SMS as GSM-7 text; raises MessageTooLong beyond HOSTICO_SMS_MAX_SEGMENTS."""
    ctx = _context(session, msg, settings, now)
    raw = environment(message_language(ctx["customer"])).get_template(f"sms/{msg.template}.txt").render(ctx)
    return Rendered(subject=None, text=prepare_sms_text(raw, settings.sms_max_segments), html=None)


def render(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> Rendered:
    """Render a message of either channel."""
    if msg.channel == Channel.SMS:
        return render_sms(session, msg, settings, now)
    return render_email(session, msg, settings, now)

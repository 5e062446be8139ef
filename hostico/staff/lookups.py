"""What staff views load: objects by id or number (404 when absent), the billing settings, today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, request
from sqlalchemy import select

from hostico.billing.settings import BillingSettings
from hostico.models import Customer, Invoice, Service
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db


def customer_or_404(customer_id: int) -> Customer:
    """Return the customer, or 404."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    return customer


def service_or_404(service_id: int) -> Service:
    """Return the service, or 404."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def invoice_or_404(code: str) -> Invoice:
    """Return the invoice with this number (e.g. HPF-000012), or 404."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.code == code[:24]))
    if invoice is None:
        abort(404)
    return invoice


def billing_settings() -> BillingSettings:
    """Return the domain's settings from the app config."""
    return app_settings().billing


def business_today() -> dt.date:
    """Return today's date in the business time zone (an invoice dated in Bucharest, not UTC)."""
    return dt.datetime.now(ZoneInfo(app_settings().timezone)).date()


def client_ip() -> str | None:
    """Return the request's address for audit entries."""
    return request.remote_addr

"""Owner-scoped lookups: every object the client area loads belongs to the logged-in customer."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from hostico.db import for_update as lock_rows
from hostico.models import BillingProfile, Invoice, Service
from hostico.web.database import db
from hostico.web.ids import MAX_ID


def own_invoice(code: str, *, for_update: bool = False) -> Invoice:
    """Return the customer's invoice with this number, or 404 (also for another customer's)."""
    stmt = select(Invoice).where(Invoice.code == code, Invoice.customer_id == current_user.id)
    if for_update:
        stmt = lock_rows(db.session, stmt)
    invoice = db.session.scalar(stmt)
    if invoice is None:
        abort(404)
    return invoice


def own_service(service_id: int) -> Service:
    """Return the customer's service, or 404."""
    service = db.session.scalar(select(Service).where(Service.id == service_id,
                                                      Service.customer_id == current_user.id))
    if service is None:
        abort(404)
    return service


def own_profile(profile_id: int) -> BillingProfile:
    """Return the customer's (not deleted) billing profile, or 404."""
    if not 0 < profile_id <= MAX_ID:
        abort(404)
    profile = db.session.scalar(select(BillingProfile).where(
        BillingProfile.id == profile_id, BillingProfile.customer_id == current_user.id,
        BillingProfile.deleted_at.is_(None)))
    if profile is None:
        abort(404)
    return profile

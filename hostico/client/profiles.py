"""My Details — billing profiles (the invoices issue builds add/change/delete/default)."""

from flask_login import current_user
from sqlalchemy import select

from hostico.db import db
from hostico.models import BillingProfile


def context() -> dict:
    """Data the billing-profiles section of My Details needs."""
    profiles = db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == current_user.id, BillingProfile.deleted_at.is_(None)
    ).order_by(BillingProfile.id)).all()
    return {"profiles": profiles}

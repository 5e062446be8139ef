"""My Details: the customer's contact data (SMS opt-in, billing profiles and 2FA extend it)."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from hostico.client import bp
from hostico.db import db
from hostico.models import BillingProfile


@bp.route("/my-details")
def my_details():
    """Show the customer's details."""
    profiles = db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == current_user.id, BillingProfile.deleted_at.is_(None)
    ).order_by(BillingProfile.id)).all()
    return render_template("client/my_details.html", customer=current_user, profiles=profiles)

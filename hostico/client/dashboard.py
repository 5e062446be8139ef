"""The dashboard: what the customer owes and what they have."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from hostico.billing.credit import Balance, balances
from hostico.billing.queries import unpaid_proforma
from hostico.client.blueprint import bp
from hostico.models import Invoice, Service
from hostico.web.database import db


@bp.route("/")
def dashboard():
    """Show unpaid proformas and a count of services by status."""
    unpaid = db.session.scalars(
        select(Invoice).where(Invoice.customer_id == current_user.id, unpaid_proforma())
        .order_by(Invoice.id.desc()).limit(10)
    ).all()
    counts = dict(db.session.execute(
        select(Service.status, func.count()).where(Service.customer_id == current_user.id).group_by(Service.status)
    ).all())
    return render_template("client/dashboard.html", unpaid=unpaid, counts=counts)


@bp.app_template_global()
def my_credit() -> list[Balance]:
    """The logged-in customer's credit balance per currency (dashboard, My Invoices; docs/client-area.md)."""
    return balances(db.session, current_user.id)

"""The dashboard: what the customer owes (first) and what they have."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from hostico.billing.credit import Balance, balances
from hostico.billing.owed import owed
from hostico.client.blueprint import bp
from hostico.models import Service
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db


@bp.route("/")
def dashboard():
    """Lead with the total due and a banner per suspended service, then the proformas to pay and the services."""
    counts = dict(db.session.execute(
        select(Service.status, func.count()).where(Service.customer_id == current_user.id).group_by(Service.status)
    ).all())
    return render_template("client/dashboard.html", owed=owed(db.session, current_user.id, app_settings().today()),
                           counts=counts)


@bp.app_template_global()
def my_credit() -> list[Balance]:
    """The logged-in customer's credit balance per currency (dashboard, My Invoices; docs/client-area.md)."""
    return balances(db.session, current_user.id)

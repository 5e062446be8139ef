"""My Services: the list, and a service's page with its invoices and what the customer can do about it."""

from email.utils import parseaddr

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from hostico.client.blueprint import bp
from hostico.client.invoice_list import service_rows
from hostico.client.queries import own_service
from hostico.models import Service
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db, reads_only

SERVICE_INVOICES = 50  # the newest; My Invoices has them all


@bp.route("/services")
@reads_only
def services():
    """List the customer's hosting services."""
    rows = db.session.scalars(
        select(Service).where(Service.customer_id == current_user.id).order_by(Service.id)
    ).all()
    return render_template("client/services.html", services=rows)


@bp.route("/services/<int:service_id>")
@reads_only
def service_detail(service_id: int):
    """Show one service of the customer: its invoices (one row per purchase) and the actions its state allows."""
    service = own_service(service_id)
    rows = service_rows(service.id, SERVICE_INVOICES + 1)
    unpaid = [row for row in rows[:SERVICE_INVOICES] if row.kind == "proforma" and row.status == "unpaid"]
    return render_template("client/service.html", service=service, invoices=rows[:SERVICE_INVOICES],
                           more_invoices=len(rows) > SERVICE_INVOICES, unpaid=unpaid, status="all", kind="all",
                           support_email=parseaddr(app_settings().notify.mail_from)[1])

"""My Services."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from hostico.client.blueprint import bp
from hostico.client.queries import own_service
from hostico.models import Service
from hostico.web.database import db


@bp.route("/services")
def services():
    """List the customer's hosting services."""
    rows = db.session.scalars(
        select(Service).where(Service.customer_id == current_user.id).order_by(Service.id)
    ).all()
    return render_template("client/services.html", services=rows)


@bp.route("/services/<int:service_id>")
def service_detail(service_id: int):
    """Show one service of the customer."""
    return render_template("client/service.html", service=own_service(service_id))

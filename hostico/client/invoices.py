"""My Invoices: the list and the invoice page."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from hostico.client import bp
from hostico.client.queries import own_invoice
from hostico.db import db
from hostico.models import Invoice


@bp.route("/invoices")
def invoices():
    """List the customer's invoices, newest first."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = 20
    rows = db.session.scalars(
        select(Invoice).where(Invoice.customer_id == current_user.id).order_by(Invoice.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    return render_template("client/invoices.html", invoices=rows[:per_page], page=page,
                           has_next=len(rows) > per_page)


@bp.route("/invoices/<code>")
def invoice(code: str):
    """Show one of the customer's invoices."""
    inv = own_invoice(code)
    return render_template("client/invoice.html", invoice=inv)

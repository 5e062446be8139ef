"""The staff dashboard: what needs attention now."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from hostico.billing.queries import not_yet_due, overdue, unpaid_proforma
from hostico.billing.reports import oss_status
from hostico.efactura.oauth import connection as anaf_connection
from hostico.models import BillingRun, Customer, Invoice, OutboxMessage, Service
from hostico.models.outbox import OutboxStatus
from hostico.models.service import ServiceStatus
from hostico.staff.blueprint import bp
from hostico.staff.lookups import business_today
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

LIST_LIMIT = 20


@bp.route("/")
@requires("view")
def index():
    """Show unpaid and overdue proformas, suspended services, dead messages and the last billing run."""
    today = business_today()
    s = db.session
    suspended, dead = Service.status == ServiceStatus.SUSPENDED, OutboxMessage.status == OutboxStatus.DEAD
    counts = {
        "unpaid": s.scalar(select(func.count()).select_from(Invoice).where(unpaid_proforma())),
        "overdue": s.scalar(select(func.count()).select_from(Invoice).where(overdue(today))),
        "suspended": s.scalar(select(func.count()).select_from(Service).where(suspended)),
        "dead": s.scalar(select(func.count()).select_from(OutboxMessage).where(dead)),
    }
    overdue_rows = s.execute(
        select(Invoice, Customer.name).join(Customer, Customer.id == Invoice.customer_id)
        .where(overdue(today)).order_by(Invoice.due_date, Invoice.id).limit(LIST_LIMIT)
    ).all()
    unpaid_rows = s.execute(
        select(Invoice, Customer.name).join(Customer, Customer.id == Invoice.customer_id)
        .where(not_yet_due(today)).order_by(Invoice.due_date, Invoice.id).limit(LIST_LIMIT)
    ).all()
    suspended_rows = s.execute(
        select(Service, Customer.name).join(Customer, Customer.id == Service.customer_id)
        .where(suspended).order_by(Service.suspended_at.desc(), Service.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    dead_rows = s.scalars(
        select(OutboxMessage).where(dead).order_by(OutboxMessage.id.desc()).limit(10)
    ).all()
    efactura = _efactura_flags(s, today) if app_settings().efactura.enabled else None
    if efactura is not None and app_settings().efactura.mode in ("test", "prod"):
        efactura["connection"] = anaf_connection(s, app_settings().efactura)
    oss = oss_status(s, today.year)  # EU consumer sales against the OSS threshold (docs/reports.md)
    last_run = s.scalar(select(BillingRun).order_by(BillingRun.started_at.desc(), BillingRun.id.desc()).limit(1))
    return render_template("staff/dashboard.html", counts=counts, overdue=overdue_rows, unpaid=unpaid_rows,
                           suspended=suspended_rows, dead=dead_rows, last_run=last_run, today=today,
                           efactura=efactura, oss=oss)


def _efactura_flags(s, today):
    """e-Factura documents still to report that are past or near their deadline (two queries)."""
    from hostico.efactura.deadline import add_working_days
    from hostico.efactura.operations import UNREPORTED
    from hostico.models import EfacturaDocument

    horizon = add_working_days(today, 1)
    rows = s.execute(
        select(EfacturaDocument, Invoice.code).join(Invoice, Invoice.id == EfacturaDocument.invoice_id)
        .where(EfacturaDocument.state.in_(UNREPORTED), EfacturaDocument.deadline <= horizon)
        .order_by(EfacturaDocument.deadline, EfacturaDocument.id).limit(LIST_LIMIT)
    ).all()
    total = s.scalar(select(func.count()).select_from(EfacturaDocument).where(
        EfacturaDocument.state.in_(UNREPORTED), EfacturaDocument.deadline <= horizon))
    return {"rows": [(doc, code, "overdue" if doc.deadline < today else "near") for doc, code in rows],
            "total": total}

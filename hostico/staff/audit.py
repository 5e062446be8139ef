"""The audit log: every staff and customer action that changes data, newest first."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from hostico.models import AuditLog, Customer
from hostico.staff.blueprint import bp
from hostico.staff.customers import clean_query
from hostico.staff.permissions import requires
from hostico.web.database import db
from hostico.web.ids import parse_id
from hostico.web.words import actor_names

PER_PAGE = 50
MAX_PAGE = 1000


@bp.route("/audit")
@requires("view")
def audit():
    """List audit entries, filtered by customer and/or action (a prefix such as 'service.')."""
    raw_customer = request.args.get("customer")
    customer_id = None if raw_customer is None else parse_id(raw_customer) or 0  # 0 (bad id): matches no one
    action = clean_query(request.args.get("action"), limit=60)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    stmt = select(AuditLog)
    if customer_id is not None:
        stmt = stmt.where(AuditLog.customer_id == customer_id)
    if action:
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditLog.action.like(escaped + "%", escape="\\"))
    rows = db.session.scalars(
        stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    entries, has_next = rows[:PER_PAGE], len(rows) > PER_PAGE
    # Names for the page in bounded queries, whatever the number of entries.
    customer_ids = {e.customer_id for e in entries if e.customer_id} | ({customer_id} if customer_id else set())
    customer_names = dict(db.session.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(customer_ids))).all()) if customer_ids else {}
    return render_template("staff/audit.html", entries=entries, has_next=has_next, page=page,
                           customer_id=customer_id, action=action, who=actor_names(entries),
                           customer_names=customer_names)

"""Staff: the notification outbox — filter by channel and status, read a message, retry a dead one."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hostico.maillogin.redact import redact_tokens
from hostico.models import Customer, OutboxMessage
from hostico.models.outbox import CHANNELS, OUTBOX_STATUSES, OutboxStatus
from hostico.notify.links import LINK_PLACEHOLDER
from hostico.notify.outbox import retry_dead
from hostico.staff.blueprint import bp
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.forms import EmptyForm
from hostico.web.ids import parse_id

PAGE_SIZE = 50
# The stored HTML of an email is shown in a sandboxed frame: no scripts, no requests, only its styles.
EMAIL_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'"


@bp.route("/outbox")
@requires("outbox.manage")
def outbox():
    """List outbox messages, newest first, filtered by channel and status."""
    channel = request.args.get("channel", "")
    status = request.args.get("status", "")
    before = parse_id(request.args.get("before"))
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE + 1)
    if channel in CHANNELS:
        stmt = stmt.where(OutboxMessage.channel == channel)
    if status in OUTBOX_STATUSES:
        stmt = stmt.where(OutboxMessage.status == status)
    if before:
        stmt = stmt.where(OutboxMessage.id < before)
    rows = db.session.scalars(stmt).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template("staff/outbox.html", messages=rows, channel=channel if channel in CHANNELS else "",
                           status=status if status in OUTBOX_STATUSES else "", channels=CHANNELS,
                           statuses=OUTBOX_STATUSES, next_before=rows[-1].id if more else None)


def _message(message_id: int) -> OutboxMessage:
    msg = db.session.get(OutboxMessage, message_id)
    if msg is None:
        abort(404)
    return msg


@bp.route("/outbox/<int:message_id>")
@requires("outbox.manage")
def outbox_message(message_id: int):
    """Show one message as it was (or will be) delivered; its login link only as the placeholder."""
    msg = _message(message_id)
    customer = db.session.get(Customer, msg.customer_id) if msg.customer_id else None
    body_text = redact_tokens(msg.body_text) if msg.body_text is not None else None
    return render_template("staff/outbox_message.html", msg=msg, body_text=body_text, customer=customer,
                           form=EmptyForm(), link_placeholder=LINK_PLACEHOLDER)


@bp.route("/outbox/<int:message_id>/html")
@requires("outbox.manage")
def outbox_message_html(message_id: int):
    """Serve an email's stored HTML for the sandboxed preview frame."""
    msg = _message(message_id)
    if not msg.body_html:
        abort(404)
    response = current_app.make_response(redact_tokens(msg.body_html))  # a confirmation link as its placeholder
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@requires("outbox.manage")
def outbox_retry(message_id: int):
    """Queue a dead message again (same content, a fresh set of attempts)."""
    msg = _message(message_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if msg.status != OutboxStatus.DEAD:
        flash(_("Only dead messages can be retried; this one is %(status)s.", status=msg.status), "error")
        return redirect(url_for("staff.outbox_message", message_id=msg.id), code=303)
    retry_dead(db.session, msg, settings=app_settings().notify, staff_id=current_user.id, ip=request.remote_addr)
    db.session.commit()
    flash(_("Message %(id)s is queued again.", id=msg.id), "success")
    return redirect(url_for("staff.outbox_message", message_id=msg.id), code=303)

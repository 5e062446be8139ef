"""Public endpoints for machines (payment-gateway webhooks): no login, no CSRF, an HMAC signature instead."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from hostico.audit import record
from hostico.billing.errors import PaymentRefused
from hostico.billing.webhooks import SIGNATURE_HEADER, WebhookRejected, handle_event, parse_event, verify_signature
from hostico.db import db
from hostico.extensions import csrf
from hostico.security import public
from hostico.settings import settings as app_settings

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
log = logging.getLogger(__name__)


@bp.route("/payments", methods=["POST"])
@public
@csrf.exempt
def payments():
    """Receive a gateway event: check its signature, then record its payment once."""
    body = request.get_data(cache=False)
    try:
        verify_signature(app_settings().webhook_secret, request.headers.get(SIGNATURE_HEADER), body)
        event = parse_event(body)
    except WebhookRejected as exc:
        log.warning("payment webhook refused from %s: %s", request.remote_addr, exc)
        return jsonify(error="rejected"), 400
    settings = app_settings().billing
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        outcome = handle_event(db.session, event, settings=settings, today=today)
        db.session.commit()
    except IntegrityError:
        # A concurrent delivery of the same event won the race on the idempotency key.
        db.session.rollback()
        return jsonify(status="duplicate"), 200
    except WebhookRejected as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 422
    except PaymentRefused as exc:
        db.session.rollback()
        # Money may have moved at the gateway: keep a trace for the billing staff.
        record(db.session, "webhook.payment_refused", data={"event": event["id"], "error": str(exc)})
        db.session.commit()
        return jsonify(error=str(exc)), 409
    return jsonify(status=outcome.status, payment=outcome.payment.id if outcome.payment else None), 200

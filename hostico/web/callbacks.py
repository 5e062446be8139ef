"""Public endpoints for the payment gateways' server-to-server notifications: no login, no CSRF; each
gateway's own signature instead. Only these notifications mark a proforma paid.

| endpoint              | gateway  | signature                                              |
|-----------------------|----------|--------------------------------------------------------|
| POST /hooks/payments  | sandbox  | `Hostico-Signature` HMAC-SHA256 (HOSTICO_WEBHOOK_SECRET) |
| POST /hooks/netopia   | netopia  | `Verification-token` JWT RS512 by NETOPIA's key        |
| POST /hooks/stripe    | stripe   | `Stripe-Signature` (HOSTICO_STRIPE_WEBHOOK_SECRET)       |

And the SMS providers' delivery receipts (docs/sms.md, Delivery receipts), for the configured provider only:

| endpoint                | provider | check                                                        |
|-------------------------|----------|--------------------------------------------------------------|
| POST /hooks/sms/twilio  | twilio   | `X-Twilio-Signature` HMAC-SHA1 by the auth token over URL + sorted params |
| POST /hooks/sms/smso    | smso     | the `token` in the callback URL (derived from HOSTICO_SECRET_KEY) |
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from sqlalchemy.exc import IntegrityError

from hostico.billing.errors import PaymentRefused
from hostico.models import utcnow
from hostico.notify.receipts import ReceiptRejected, apply_receipt
from hostico.notify.sms.callbacks import PROVIDERS as SMS_PROVIDERS
from hostico.notify.sms.callbacks import parse_smso, parse_twilio
from hostico.payments.checkout import apply_notification, record_refused_notification
from hostico.payments.errors import NotificationRefused, NotificationRejected
from hostico.payments.gateways import get_gateway
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import csrf
from hostico.web.security import public

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
log = logging.getLogger("hostico.hooks")  # the name operators filter on (before the web package)


def _accepts(name: str) -> bool:
    """A gateway's endpoint answers when that gateway is configured (the sandbox: never in production)."""
    settings = app_settings()
    payments = settings.payments
    if name == "sandbox":
        return not settings.production and payments.name in ("sandbox", "")
    if name == "netopia":
        return bool(payments.netopia_pos_signature and payments.netopia_public_key)
    return bool(payments.stripe_webhook_secret)


def _answer(gateway, ok: bool, message: str = "") -> Response:
    body, status, content_type = gateway.notification_answer(ok, message)
    return Response(body, status=status, content_type=content_type)


def receive(name: str):
    """Verify a notification, then apply it once; answer in the form the gateway expects."""
    if not _accepts(name):
        abort(404)
    gateway = get_gateway(app_settings().payments, name)
    body = request.get_data(cache=False)
    try:
        note = gateway.parse_notification(request.headers, body)
    except NotificationRejected as exc:
        log.warning("%s notification refused from %s: %s", name, request.remote_addr, exc)
        return _answer(gateway, False, exc.code)
    settings = app_settings().billing
    today = settings.today()
    try:
        outcome = apply_notification(db.session, note, gateway=name, settings=settings, today=today)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent delivery of the same notification recorded it first
        outcome = "duplicate"
    except NotificationRejected as exc:
        db.session.rollback()
        log.warning("%s notification for %s refused: %s", name, note.reference[:40], exc)
        return _answer(gateway, False, exc.code)
    except (NotificationRefused, PaymentRefused) as exc:
        db.session.rollback()
        # Authentic but wrong (amount, currency): nothing is paid; staff see it in the audit log.
        record_refused_notification(db.session, note, gateway=name, error=getattr(exc, "code", str(exc)))
        db.session.commit()
        return _answer(gateway, False, getattr(exc, "code", "refused"))
    log.info("%s notification %s for %s: %s", name, note.event_id, note.reference[:40], outcome)
    return _answer(gateway, True, outcome)


@bp.route("/payments", methods=["POST"], endpoint="sandbox")
@public
@csrf.exempt
def sandbox():
    """The sandbox gateway's notifications."""
    return receive("sandbox")


@bp.route("/netopia", methods=["POST"])
@public
@csrf.exempt
def netopia():
    """NETOPIA Payments' IPN."""
    return receive("netopia")


@bp.route("/stripe", methods=["POST"])
@public
@csrf.exempt
def stripe():
    """Stripe's webhook events."""
    return receive("stripe")


@bp.route("/sms/<provider>", methods=["POST"])
@public
@csrf.exempt
def sms_receipt(provider: str):
    """An SMS provider's status callback: record what became of an SMS (unknown ids and replays change nothing)."""
    settings = app_settings().notify
    if provider not in SMS_PROVIDERS or settings.sms_backend != provider:
        abort(404)
    params = list(request.form.items(multi=True))
    try:
        if provider == "twilio":
            # The URL Twilio was given (HOSTICO_BASE_URL), not the one a proxy rewrote: the signature covers it.
            url = settings.base_url.rstrip("/") + request.full_path.rstrip("?")
            receipt = parse_twilio(url=url, params=params, signature=request.headers.get("X-Twilio-Signature", ""),
                                   auth_token=settings.sms_api_key, account_sid=settings.sms_account_sid)
        else:
            receipt = parse_smso(params=params, token=request.args.get("token", ""), secret_key=settings.secret_key)
    except ReceiptRejected as exc:
        log.warning("%s status callback refused from %s: %s", provider, request.remote_addr, exc)
        abort(403)
    outcome = "nothing to record"
    if receipt is not None:
        try:
            outcome = apply_receipt(db.session, receipt, settings=settings, now=utcnow())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same receipt, delivered twice at once, queued its email first
            outcome = "unchanged"
        log.info("%s receipt %s %s: %s", provider, receipt.message_id[:40], receipt.state, outcome)
    return Response("", status=200, content_type="text/plain")

"""The sandbox gateway's hosted pages (`/sandbox-gateway/…`): registered only when
HOSTICO_PAYMENT_GATEWAY=sandbox, which production refuses.

The page plays the gateway: the customer picks a documented test card (there is no card-number
field anywhere), and the outcome goes to the app as a signed notification posted from a background
thread — server to server, never through the browser, which is only sent back to the waiting page.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx
from flask import Blueprint, abort, current_app, redirect, render_template, request

from hostico.payments.gateways import get_gateway
from hostico.payments.gateways.base import FAILED, PAID
from hostico.payments.gateways.sandbox import CARDS, DECLINE, DELAYED, TEST_CARDS, THREE_DS, SandboxGateway
from hostico.web.app_settings import settings as app_settings
from hostico.web.i18n import N_
from hostico.web.security import public

bp = Blueprint("sandbox_gateway", __name__, url_prefix="/sandbox-gateway")
log = logging.getLogger("hostico.sandbox_gateway")  # the name before the web package
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 16)
CARD_LABELS = {
    "4242424242424242": N_("approved"), "5555555555554444": N_("approved (Mastercard)"),
    "4000002760003184": N_("3-D Secure step, then approved or failed"),
    "4000000000000077": N_("approved, notification delayed"),
    "4000000000005126": N_("approved, refunds refused"), "4000000000000002": N_("declined"),
    "4000000000009995": N_("insufficient funds"), "4000000000000069": N_("expired card"),
    "4000000000000119": N_("processing error"),
}


def post_notification(url: str, body: bytes, headers: dict[str, str], delay: float = 0.0) -> threading.Thread:
    """Deliver a notification from a background thread, retrying with backoff like a gateway does."""
    def run() -> None:
        time.sleep(delay)
        for pause in RETRY_DELAYS:
            try:
                resp = httpx.post(url, content=body, headers=headers, timeout=10)
                if resp.status_code < 500:
                    return  # delivered (a 4xx is the app refusing it: a gateway does not insist)
            except httpx.HTTPError as exc:
                log.info("sandbox notification to %s failed: %s", url, exc)
            time.sleep(pause)
        log.warning("sandbox notification to %s given up", url)

    thread = threading.Thread(target=run, name="sandbox-gateway-notify", daemon=True)
    thread.start()
    return thread


def _gateway() -> SandboxGateway:
    return get_gateway(app_settings().payments, "sandbox")  # type: ignore[return-value]


def _session(token: str) -> dict:
    session = _gateway().load_session(token)
    if session is None:
        abort(404)
    return session


def _notify(session: dict, status: str, *, card: str = "", reason: str | None = None, delay: float = 0.0) -> None:
    gateway = _gateway()
    body = gateway.notification(session, status, card=card, reason=reason)
    deliver = current_app.extensions.get("sandbox_gateway.deliver", post_notification)
    deliver(session["notify"], body, gateway.signed_headers(body), delay)


def _cards():
    return [(c.number, " ".join(c.number[i:i + 4] for i in range(0, 16, 4)), CARD_LABELS[c.number])
            for c in TEST_CARDS]


@bp.route("/checkout/<token>", methods=["GET", "POST"])
@public
def checkout(token: str):
    """The hosted payment page: pick a test card and pay (a declined card ends the attempt), or cancel."""
    session = _session(token)
    error = None
    if SandboxGateway.session_ended(session):
        # Like a real gateway's page past its lifetime: no payment any more (docs/payments.md, Checkouts that end).
        return render_template("sandbox/checkout.html", session=session, token=token, cards=[], ended=True,
                               error=N_("This payment page has expired. Nothing was charged."), chosen=None), 410
    if request.method == "POST":
        card = CARDS.get(request.form.get("card", ""))
        if card is None:
            error = N_("Choose a test card.")
        elif card.behaviour == THREE_DS:
            return redirect(f"/sandbox-gateway/checkout/{token}/3ds?card={card.number}", 303)
        elif card.behaviour == DECLINE:
            # Like NETOPIA: the attempt fails, the gateway notifies the shop and sends the customer back.
            _notify(session, FAILED, reason=card.code)
            return redirect(session["return"], 303)
        else:
            delay = app_settings().payments.sandbox_notify_delay if card.behaviour == DELAYED else 0
            _notify(session, PAID, card=card.number, delay=delay)
            return redirect(session["return"], 303)
    return render_template("sandbox/checkout.html", session=session, token=token, cards=_cards(), error=error,
                           chosen=request.form.get("card")), 422 if error else 200


@bp.route("/checkout/<token>/3ds", methods=["GET", "POST"])
@public
def three_d_secure(token: str):
    """The issuer's 3-D Secure step: complete it (approved) or fail it."""
    session = _session(token)
    card = CARDS.get(request.values.get("card", ""))
    if card is None or card.behaviour != THREE_DS or SandboxGateway.session_ended(session):
        abort(404)
    if request.method == "POST":
        if request.form.get("outcome") == "complete":
            _notify(session, PAID, card=card.number)
        else:
            _notify(session, FAILED, reason="authentication_failed")
        return redirect(session["return"], 303)
    return render_template("sandbox/three_d_secure.html", session=session, token=token, card=card.number)


@bp.route("/checkout/<token>/cancel", methods=["POST"])
@public
def cancel(token: str):
    """Leave the payment page without paying (no notification, like a real gateway)."""
    return redirect(_session(token)["cancel"], 303)

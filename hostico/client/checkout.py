"""Paying by card: "Pay" starts a checkout at the gateway and sends the customer to its hosted page;
the page they come back to waits (htmx polling) for the gateway's notification. No card data here."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hostico.client.blueprint import bp
from hostico.client.invoice_list import list_context
from hostico.client.queries import own_invoice
from hostico.models import Checkout
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.payments.checkout import checkout_summary, payable_proformas, start_checkout
from hostico.payments.errors import GatewayUnavailable, PaymentsError
from hostico.payments.gateways import get_gateway
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.htmx import render_page_or_partial
from hostico.web.i18n import N_

log = logging.getLogger(__name__)


def _refusal(err: PaymentsError) -> str:
    messages = {
        "nothing_selected": _("Choose at least one unpaid proforma."),
        "too_many": _("At most %(limit)s proformas can be paid at once.", limit=err.params.get("limit", "")),
        "not_payable": _("Only your unpaid proformas can be paid."),
        "mixed_currencies": _("Proformas in different currencies are paid separately."),
        "incomplete_buyer": _("Proforma %(code)s has no billing address yet: add your billing data (Edit billing"
                              " data), then pay it.", code=err.params.get("number", "")),
        "in_progress": _("A card payment of some of these proformas is already under way. Finish it on the payment"
                         " page, or try again in 15 minutes."),
    }
    return messages.get(err.code, _("The payment could not be started. Try again in a few minutes."))


def _urls(reference: str) -> tuple[str, str, str]:
    base = app_settings().base_url.rstrip("/")
    notify = {"sandbox": "hooks.sandbox", "netopia": "hooks.netopia", "stripe": "hooks.stripe"}[
        app_settings().payments.name]
    return (base + url_for("client.checkout_status", reference=reference),
            base + url_for("client.checkout_status", reference=reference, cancelled=1),
            base + url_for(notify))


def _start(codes: list[str], back: str):
    """Start one checkout for the customer's proformas `codes` and redirect to the gateway's page."""
    if not app_settings().payments.name:
        flash(_("Card payments are not available; please pay by bank transfer."), "error")
        return redirect(back, 303)
    try:
        proformas = payable_proformas(db.session, current_user.id, codes)
        description = _("Hostico proforma %(codes)s", codes=", ".join(p.code for p in proformas))
        checkout, url = start_checkout(db.session, current_user, proformas, get_gateway(app_settings().payments),
                                       urls=_urls, description=description[:250], language=str(get_locale() or "ro"))
        db.session.commit()
    except GatewayUnavailable as err:
        db.session.rollback()
        log.warning("payment gateway refused to start a checkout: %s", err)
        flash(_("The payment page could not be opened. Try again in a few minutes."), "error")
        return redirect(back, 303)
    except PaymentsError as err:
        db.session.rollback()
        flash(_refusal(err), "error")
        return redirect(back, 303)
    return redirect(url, 303)


@bp.route("/invoices/<code>/pay", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def pay(code: str):
    """GET: what will be paid and a button; POST: start the checkout at the gateway."""
    invoice = own_invoice(code)
    if invoice.kind != InvoiceKind.PROFORMA or invoice.status != InvoiceStatus.UNPAID:
        if invoice.status == InvoiceStatus.PAID:
            return redirect(url_for("client.invoice", code=code), 303)
        abort(404)
    if request.method == "GET":
        return render_template("client/pay.html", proformas=[invoice], total=invoice.total,
                               currency=invoice.currency)
    return _start([code], url_for("client.invoice", code=code))


@bp.route("/invoices/pay", methods=["POST"])
@limiter.limit("20 per minute")
def pay_several():
    """Pay the proformas ticked in My Invoices in one checkout (each still gets its own tax invoice), or the one
    whose Pay button was pressed (`pay_one`), straight at the gateway. Nothing ticked: the list says so at the boxes."""
    one = request.form.get("pay_one", "")
    codes = [one] if one else request.form.getlist("invoice")[:50]
    if not any(codes):
        context = list_context("unpaid", "all", 1)
        return render_template("client/invoices.html", **context,
                               pay_error=_("Tick at least one unpaid proforma to pay, then press the button.")), 422
    return _start(codes, url_for("client.invoices", status="unpaid"))


def _own_checkout(reference: str) -> Checkout:
    checkout = db.session.scalar(select(Checkout).where(Checkout.reference == reference[:40],
                                                        Checkout.customer_id == current_user.id))
    if checkout is None:
        abort(404)
    return checkout


@bp.route("/checkout/<reference>")
def checkout_status(reference: str):
    """The page the gateway sends the customer back to: waits for the notification, then shows the result."""
    checkout = _own_checkout(reference)
    context = {"checkout": checkout, "rows": checkout_summary(db.session, checkout),
               "cancelled": request.args.get("cancelled") == "1"}
    return render_page_or_partial("client/checkout.html", "client/_checkout_status.html", **context)



FAILURES = {
    "card_declined": N_("the card was declined"),
    "insufficient_funds": N_("the card has insufficient funds"),
    "expired_card": N_("the card has expired"),
    "processing_error": N_("the card could not be processed, try again"),
    "authentication_failed": N_("the card's 3-D Secure authentication did not succeed"),
    "expired": N_("the payment page expired before the payment was made"),
}


@bp.app_template_global()
def checkout_failure(code: str | None) -> str:
    """Translate a checkout's failure code for the customer."""
    return _(FAILURES.get(code or "", N_("the payment was not approved")))

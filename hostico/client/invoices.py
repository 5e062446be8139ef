"""My Invoices: the list's view, the invoice page and its PDF (the list's query, its rows and their links:
hostico/client/invoice_list.py)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import raiseload

from hostico.billing.corrections import reissue_citation
from hostico.billing.queries import credited_total
from hostico.client.blueprint import bp
from hostico.client.invoice_list import list_context, pending_edits, status_of
from hostico.client.queries import own_invoice
from hostico.models import Invoice, InvoiceEvent
from hostico.models.billing_profile import BuyerSnapshot
from hostico.payments.checkout import card_payment
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db, reads_only
from hostico.web.htmx import render_page_or_partial
from hostico.web.i18n import N_, country_name
from hostico.web.pdf import invoice_pdf, totals_context

EVENT_LABELS = {
    "created": N_("Issued"), "issued": N_("Issued"), "paid": N_("Paid"), "partly_paid": N_("Partly paid"),
    "cancelled": N_("Cancelled"),
    "credited": N_("Credited"), "refunded": N_("Refunded"), "billing_edited": N_("Billing data changed"),
    "billing_edit_pending": N_("Billing change sent for approval"),
    "billing_edit_rejected": N_("Billing change rejected"),
    "billing_edit_not_applied": N_("Billing change approved, not applied"),
    "vies_checked": N_("VAT number checked in VIES"), "vat_recomputed": N_("VAT recomputed"),
}


bp.add_app_template_global(country_name)  # a country's name in the request's language from its ISO code


@bp.app_template_global()
def event_label(action: str) -> str:
    """Return the customer-facing name of an invoice history entry."""
    label = EVENT_LABELS.get(action)
    return _(label) if label else action.replace("_", " ").capitalize()


@bp.app_template_global()
def buyer_label(buyer: BuyerSnapshot) -> str:
    """Return a one-line description of a buyer snapshot (history entries)."""
    if buyer.get("kind") == "company":
        return f"{buyer.get('company_name') or ''} (CUI {buyer.get('cui') or ''})"
    return buyer.get("name") or ""


def invoice_status(invoice: Invoice) -> str:
    """The status the customer reads for one invoice (its credit notes counted in one query)."""
    credited = db.session.scalar(select(credited_total(Invoice)).where(Invoice.id == invoice.id)) \
        if invoice.kind == "tax" else None
    return status_of(invoice, app_settings().today(), credited)


@bp.route("/invoices")
@reads_only
def invoices():
    """List the customer's invoices, newest first, filtered by status and kind, a page at a time."""
    context = list_context(request.args.get("status", "all"), request.args.get("kind", "all"),
                           request.args.get("page", 1, type=int) or 1)
    return render_page_or_partial("client/invoices.html", "client/_invoice_table.html", **context)


def related_invoices(invoice: Invoice) -> dict[str, object]:
    """Return the proforma <-> tax invoice link and credit-note links of an invoice (one query)."""
    rows = db.session.scalars(
        select(Invoice).options(raiseload(Invoice.lines)).where(
            Invoice.customer_id == current_user.id,
            or_(Invoice.id == invoice.proforma_id, Invoice.proforma_id == invoice.id,
                Invoice.id == invoice.corrects_id, Invoice.corrects_id == invoice.id),
        ).order_by(Invoice.id)
    ).all()
    return {
        "proforma": next((r for r in rows if r.id == invoice.proforma_id), None),
        # the latest: after a storno and reissue, the corrected tax invoice
        "tax_invoice": next((r for r in reversed(rows) if r.proforma_id == invoice.id), None),
        # a proforma paid in parts: the tax invoice of each amount received (advances first)
        "tax_invoices": [r for r in rows if r.proforma_id == invoice.id],
        "corrects": next((r for r in rows if r.id == invoice.corrects_id), None),
        "credit_notes": [r for r in rows if r.corrects_id == invoice.id],
        # a reissue (storno and reissue): the tax invoice it replaces and the credit notes that cancelled it
        **dict(zip(("replaces", "stornos"), reissue_citation(db.session, invoice) or (None, []), strict=True)),
    }


def document_context(invoice: Invoice) -> dict[str, object]:
    """Data the invoice document (page and PDF) shows besides the invoice itself."""
    return {**totals_context(invoice), "related": related_invoices(invoice),
            "card_paid": card_payment(db.session, invoice),
            "billing": app_settings().billing,
            # the rate each converted line used, which is the one its printed conversion shows
            "line_rates": {line.id: format_decimal(line.price_rate, "0.0000") for line in invoice.lines
                           if line.price_rate is not None}}


@bp.route("/invoices/<code>")
def invoice(code: str):
    """Show one of the customer's invoices with its history and, when unpaid, the ways to pay it."""
    inv = own_invoice(code)
    events = db.session.scalars(
        select(InvoiceEvent).where(InvoiceEvent.invoice_id == inv.id).order_by(InvoiceEvent.id)
    ).all()
    return render_template("client/invoice.html", invoice=inv, events=events, status=invoice_status(inv),
                           pending=pending_edits([inv.id]).get(inv.id), **document_context(inv))


@bp.route("/invoices/<code>.pdf")
def invoice_pdf_download(code: str):
    """Download the invoice as PDF (a tax invoice's document is rendered once and kept)."""
    inv = own_invoice(code)
    content = invoice_pdf(db.session, inv, lambda: document_context(inv), current_user.language)
    db.session.commit()
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{inv.code}.pdf"'
    return response

"""My Invoices: the list (filters, pages), the invoice page and its PDF."""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import raiseload

from hostico.billing.buyers import COUNTRIES
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import vat_breakdown
from hostico.client import bp
from hostico.client.queries import own_invoice
from hostico.db import db
from hostico.htmx import render_page_or_partial
from hostico.models import BillingProfile, Invoice, InvoiceEvent, PendingBillingEdit
from hostico.pdf import invoice_pdf

EVENT_LABELS = {
    "created": "Issued", "issued": "Issued", "paid": "Paid", "cancelled": "Cancelled", "credited": "Credited",
    "billing_edited": "Billing data changed", "billing_edit_pending": "Billing change sent for approval",
    "billing_edit_rejected": "Billing change rejected",
    "billing_edit_not_applied": "Billing change approved, not applied",
}
PER_PAGE = 20
STATUS_FILTERS = ("all", "unpaid", "paid")
KIND_FILTERS = ("all", "proforma", "tax", "credit_note")


@bp.app_template_global()
def country_name(code: str | None) -> str:
    """Return a country's English name from its ISO code."""
    return COUNTRIES.get((code or "").upper(), code or "")


@bp.app_template_global()
def event_label(action: str) -> str:
    """Return the customer-facing name of an invoice history entry."""
    return EVENT_LABELS.get(action, action.replace("_", " ").capitalize())


@bp.app_template_global()
def buyer_label(buyer: dict) -> str:
    """Return a one-line description of a buyer snapshot (history entries)."""
    if buyer.get("kind") == "company":
        return f"{buyer.get('company_name') or ''} (CUI {buyer.get('cui') or ''})"
    return buyer.get("name") or ""


def _filtered(stmt: Select, status: str, kind: str) -> Select:
    stmt = stmt.where(Invoice.customer_id == current_user.id)
    if status == "unpaid":
        stmt = stmt.where(Invoice.kind == "proforma", Invoice.status == "unpaid")
    elif status == "paid":
        # A tax invoice (and a credit note correcting one) exists only for what was paid.
        stmt = stmt.where(Invoice.status.in_(("paid", "issued")))
    if kind != "all":
        stmt = stmt.where(Invoice.kind == kind)
    return stmt


def pending_edits(invoice_ids: list[int]) -> dict[int, BillingProfile]:
    """Return invoice id -> the profile of its billing change waiting for staff approval (one query)."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        select(PendingBillingEdit.invoice_id, BillingProfile)
        .join(BillingProfile, BillingProfile.id == PendingBillingEdit.billing_profile_id)
        .where(PendingBillingEdit.invoice_id.in_(invoice_ids), PendingBillingEdit.status == "pending",
               PendingBillingEdit.customer_id == current_user.id)
        .order_by(PendingBillingEdit.id)
    ).all()
    return {invoice_id: profile for invoice_id, profile in rows}


@bp.route("/invoices")
def invoices():
    """List the customer's invoices, newest first, filtered by status and kind, a page at a time."""
    status = request.args.get("status", "all")
    status = status if status in STATUS_FILTERS else "all"
    kind = request.args.get("kind", "all")
    kind = kind if kind in KIND_FILTERS else "all"
    total = db.session.scalar(_filtered(select(func.count(Invoice.id)), status, kind)) or 0
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = db.session.scalars(
        _filtered(select(Invoice), status, kind).options(raiseload(Invoice.lines))
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return render_page_or_partial(
        "client/invoices.html", "client/_invoice_table.html", invoices=rows, page_no=page, pages=pages, total=total,
        status=status, kind=kind, pending=pending_edits([inv.id for inv in rows]),
    )


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
        "tax_invoice": next((r for r in rows if r.proforma_id == invoice.id), None),
        "corrects": next((r for r in rows if r.id == invoice.corrects_id), None),
        "credit_notes": [r for r in rows if r.corrects_id == invoice.id],
    }


def document_context(invoice: Invoice) -> dict[str, object]:
    """Data the invoice document (page and PDF) shows besides the invoice itself."""
    return {"vat_rates": vat_breakdown(invoice.lines), "related": related_invoices(invoice),
            "billing": BillingSettings.from_config(current_app.config)}


@bp.route("/invoices/<code>")
def invoice(code: str):
    """Show one of the customer's invoices with its history and, when unpaid, the ways to pay it."""
    inv = own_invoice(code)
    events = db.session.scalars(
        select(InvoiceEvent).where(InvoiceEvent.invoice_id == inv.id).order_by(InvoiceEvent.id)
    ).all()
    return render_template("client/invoice.html", invoice=inv, events=events,
                           pending=pending_edits([inv.id]).get(inv.id), **document_context(inv))


@bp.route("/invoices/<code>.pdf")
def invoice_pdf_download(code: str):
    """Download the invoice as PDF (a tax invoice's document is rendered once and kept)."""
    inv = own_invoice(code)
    content = invoice_pdf(db.session, inv, lambda: document_context(inv))
    db.session.commit()
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{inv.code}.pdf"'
    return response

"""Invoice PDFs: drawn with reportlab (the page: hostico/web/pdf_invoice.py) a few milliseconds each, where laying
out the HTML and CSS took WeasyPrint a hundred (docs/bench.md, row e).

A tax invoice or credit note never changes, so its bytes are drawn once and kept in the invoice_pdfs table; a
proforma can still change (billing edit, payment) and is drawn each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask_babel import format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.billing.taxes import vat_breakdown
from hostico.models import Invoice, InvoicePdf
from hostico.models.invoice import InvoiceKind
from hostico.web import i18n
from hostico.web.pdf_canvas import register_fonts
from hostico.web.pdf_invoice import InvoiceDrawing

IMMUTABLE_KINDS = (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE)
# reportlab keeps each document's font subsets in the process's shared font objects: one drawing at a time
_render_lock = threading.Lock()


def totals_context(invoice: Invoice) -> dict[str, object]:
    """Return what templates/pdf/_totals.html needs besides the invoice: VAT per rate and the BNR rate as printed."""
    return {"vat_rates": vat_breakdown(invoice.lines),
            # the BNR rate as printed, in the reader's locale: "5,0917"
            "fx_rate": format_decimal(invoice.exchange_rate, "0.0000") if invoice.exchange_rate else None}


def render_invoice_pdf(invoice: Invoice, language: str | None = None, **context) -> bytes:
    """Draw an invoice as PDF bytes in `language` (default: the request's; call inside an app/request context)."""
    drawing = InvoiceDrawing(invoice, language or i18n.language(), context)
    register_fonts()
    with _render_lock:
        return drawing.draw()


def invoice_pdf(session: Session, invoice: Invoice, context: Callable[[], dict], language: str) -> bytes:
    """Return the invoice's PDF in `language` (the customer's): the kept bytes of an immutable invoice, or a fresh
    render (the caller commits).

    `context` builds the document's extra data (related invoices, card payment, rates); it is called only when the
    document is drawn. A kept PDF in another language (the customer changed theirs) is drawn again and replaces it.
    """
    if invoice.kind not in IMMUTABLE_KINDS:
        return render_invoice_pdf(invoice, language, **context())
    kept = session.get(InvoicePdf, invoice.id)
    if kept is not None and kept.language == language:
        return kept.content
    content = render_invoice_pdf(invoice, language, **context())
    if kept is not None:
        kept.content, kept.language = content, language
        return content
    try:
        with session.begin_nested():
            session.add(InvoicePdf(invoice_id=invoice.id, content=content, language=language))
    except IntegrityError:
        pass  # a concurrent download stored the same document first
    return content

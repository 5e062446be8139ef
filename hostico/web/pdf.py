"""Invoice PDFs: WeasyPrint renders templates/pdf/invoice.html (the same document partial as the page).

A tax invoice or credit note never changes, so its bytes are rendered once and kept in the
invoice_pdfs table; a proforma can still change (billing edit, payment) and is rendered each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import current_app, render_template
from flask_babel import force_locale, format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.billing.taxes import vat_breakdown
from hostico.models import Invoice, InvoicePdf
from hostico.models.invoice import InvoiceKind

IMMUTABLE_KINDS = (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE)
_render_lock = threading.Lock()  # fontconfig and pango are not safe to drive from two threads at once
# One font configuration for the process: building it costs more than rendering a page. The text
# uses the system's DejaVu Sans (fonts-dejavu-core, see scripts/ensure-system-deps.sh), which
# WeasyPrint embeds (subset) in every PDF, so ă â î ș ț show in any viewer.
_font_config = None
STYLESHEET = "pdf/invoice.css"
# templates/pdf/invoice.css parsed once per process (again when the file changes): (still up to date?, weasyprint.CSS).
_stylesheet: tuple[Callable[[], bool] | None, object] | None = None


def totals_context(invoice: Invoice) -> dict[str, object]:
    """Return what templates/pdf/_totals.html needs besides the invoice: VAT per rate and the BNR rate as printed."""
    return {"vat_rates": vat_breakdown(invoice.lines),
            # the BNR rate as printed, in the reader's locale: "5,0917"
            "fx_rate": format_decimal(invoice.exchange_rate, "0.0000") if invoice.exchange_rate else None}


def no_fetch_fetcher():
    """Return WeasyPrint's URL fetcher for invoices: it loads nothing (no network, no files)."""
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")

    return NoFetch(allowed_protocols=())


def _invoice_stylesheet(font_config) -> object:
    """Return the PDF's stylesheet as a weasyprint.CSS, parsed on first use (call under _render_lock)."""
    from weasyprint import CSS

    global _stylesheet
    if _stylesheet is None or (_stylesheet[0] is not None and not _stylesheet[0]()):
        env = current_app.jinja_env
        source, _filename, uptodate = env.loader.get_source(env, STYLESHEET)  # type: ignore[union-attr]
        _stylesheet = (uptodate, CSS(string=source, base_url="/", url_fetcher=no_fetch_fetcher(),
                                     font_config=font_config))
    return _stylesheet[1]


def render_invoice_pdf(invoice: Invoice, language: str | None = None, **context) -> bytes:
    """Render an invoice to PDF bytes in `language` (default: the request's; call inside an app/request context)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    if language is None:
        html = render_template("pdf/invoice.html", invoice=invoice, **context)
    else:
        with force_locale(language):
            html = render_template("pdf/invoice.html", invoice=invoice, **context)
    with _render_lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        stylesheet = _invoice_stylesheet(_font_config)
        # Default write_pdf options on purpose: fonts subset (full_fonts=True embeds 800 kB of DejaVu and takes 4x
        # the time), no hinting (larger files, no faster), compressed streams (uncompressed is 4.6x the size).
        return HTML(string=html, url_fetcher=no_fetch_fetcher(), base_url="/").write_pdf(
            font_config=_font_config, stylesheets=[stylesheet])


def invoice_pdf(session: Session, invoice: Invoice, context: Callable[[], dict], language: str) -> bytes:
    """Return the invoice's PDF in `language` (the customer's): the kept bytes of an immutable invoice, or a fresh
    render (the caller commits).

    `context` builds the template's extra data; it is called only when the document is rendered. A kept PDF in
    another language (the customer changed theirs) is rendered again and replaces it.
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

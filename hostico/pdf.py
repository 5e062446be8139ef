"""Invoice PDFs: WeasyPrint renders templates/pdf/invoice.html (the same document partial as the page).

A tax invoice or credit note never changes, so its bytes are rendered once and kept in the
invoice_pdfs table; a proforma can still change (billing edit, payment) and is rendered each time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from flask import render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.models import Invoice, InvoicePdf

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
IMMUTABLE_KINDS = ("tax", "credit_note")
_render_lock = threading.Lock()  # fontconfig and pango are not safe to drive from two threads at once


def font_urls() -> dict[str, str]:
    """Return file:// URLs of the DejaVu Sans faces (embedded so ă â î ș ț render in any viewer)."""
    faces = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
    out = {}
    for face, filename in faces.items():
        for folder in FONT_DIRS:
            path = os.path.join(folder, filename)
            if os.path.exists(path):
                out[face] = "file://" + path
                break
    return out


def _fetch_fonts_only(url: str, timeout: int = 10, ssl_context=None):
    """Let WeasyPrint load the local font files and nothing else (no network, no other files)."""
    from weasyprint.urls import default_url_fetcher

    allowed = set(font_urls().values())
    if url not in allowed:
        raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")
    return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)


def render_invoice_pdf(invoice: Invoice, **context) -> bytes:
    """Render an invoice to PDF bytes (call inside an app/request context; text is autoescaped)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_template("pdf/invoice.html", invoice=invoice, fonts=font_urls(), **context)
    with _render_lock:
        fonts = FontConfiguration()
        return HTML(string=html, url_fetcher=_fetch_fonts_only, base_url="/").write_pdf(font_config=fonts)


def invoice_pdf(session: Session, invoice: Invoice, context: Callable[[], dict]) -> bytes:
    """Return the invoice's PDF: the kept bytes of an immutable invoice, or a fresh render (the caller commits).

    `context` builds the template's extra data; it is called only when the document is rendered.
    """
    if invoice.kind not in IMMUTABLE_KINDS:
        return render_invoice_pdf(invoice, **context())
    kept = session.scalar(select(InvoicePdf.content).where(InvoicePdf.invoice_id == invoice.id))
    if kept is not None:
        return kept
    content = render_invoice_pdf(invoice, **context())
    try:
        with session.begin_nested():
            session.add(InvoicePdf(invoice_id=invoice.id, content=content))
    except IntegrityError:
        pass  # a concurrent download stored the same document first
    return content

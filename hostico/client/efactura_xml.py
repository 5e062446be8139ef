"""A customer downloads the e-Factura XML (UBL 2.1 CIUS-RO) of their own tax invoices and credit notes."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _

from hostico.client.blueprint import bp
from hostico.client.queries import own_invoice
from hostico.efactura.ubl import DocumentError, build_document
from hostico.models.invoice import InvoiceKind


@bp.route("/invoices/<tax_code>.xml")
def invoice_xml_download(tax_code: str):
    """Download the UBL XML of a tax invoice or credit note (404 for proformas and others' documents)."""
    inv = own_invoice(tax_code)
    if inv.kind not in (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE):
        abort(404)
    try:
        content = build_document(inv)
    except DocumentError:
        flash(_("The e-Factura XML of %(code)s cannot be produced yet; our staff have been told.", code=inv.code),
              "error")
        return redirect(url_for("client.invoice", code=inv.code), 303)
    response = Response(content, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{inv.code}.xml"'
    return response

"""My Details — your data: download everything the account holds (a ZIP of JSON and the invoices' PDFs).

GDPR art. 15 and 20 (docs/accounts.md). The download needs a fresh password (a session opened by a mail link,
or a login older than HOSTICO_FRESH_MINUTES, confirms it first): a copied cookie must not carry the whole
account away. What goes in is accounts.data_export's; each download is audited.
"""

from __future__ import annotations

import io
import json
import zipfile

from flask import Response, request
from flask_login import current_user

from hostico.accounts import data_export
from hostico.client import my_details
from hostico.client.account_security import fresh_required
from hostico.client.blueprint import bp
from hostico.client.invoices import document_context
from hostico.models import utcnow
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm
from hostico.web.login_session import needs_password
from hostico.web.pdf import invoice_pdf
from hostico.web.security import no_store


@my_details.section("data")
def context(forms: dict) -> dict:
    """Data the "Your data" section of My Details needs."""
    return {"data_form": EmptyForm(formdata=None), "data_needs_password": needs_password()}


def _zip(customer) -> tuple[bytes, int]:
    now = utcnow()
    data = data_export.export_data(db.session, customer, now=now)
    invoices = data_export.invoices_to_export(db.session, customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hostico-data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        for inv in invoices:
            archive.writestr(f"invoices/{inv.code}.pdf",
                             invoice_pdf(db.session, inv, lambda inv=inv: document_context(inv), customer.language))
    return buffer.getvalue(), len(invoices)


@bp.route("/my-details/data/download", methods=["POST"])
@limiter.limit("5 per 10 minutes", key_func=lambda: f"data-export:{getattr(current_user, 'id', '')}")
@fresh_required
@no_store
def download_my_data():
    """Send the customer's data as a ZIP (JSON and the invoices' PDFs)."""
    if not EmptyForm().validate_on_submit():
        return my_details.render_page(400)
    customer = current_user._get_current_object()
    content, count = _zip(customer)
    data_export.record_export(db.session, customer, ip=request.remote_addr, invoices=count)
    db.session.commit()
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="hostico-data-{customer.id}.zip"'
    return response

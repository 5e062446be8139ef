"""My Details — your data: download everything the account holds (a ZIP of JSON and the invoices' PDFs), or
close the account.

GDPR art. 15 and 20 (docs/accounts.md). The download needs a fresh password (a session opened by a mail link,
or a login older than HOSTICO_FRESH_MINUTES, confirms it first): a copied cookie must not carry the whole
account away. What goes in is accounts.data_export's; each download is audited. Closing always asks the
password (accounts.closure): the rules are there; this view logs the browser out afterwards.
"""

from __future__ import annotations

import io
import json
import zipfile

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from hostico.accounts import closure, data_export, stepup
from hostico.client import my_details
from hostico.client.account_security import fresh_required
from hostico.client.blueprint import bp
from hostico.client.invoices import document_context
from hostico.models import utcnow
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm, Form
from hostico.web.i18n import error_message
from hostico.web.login_session import after_step_up, end_session, needs_password, step_up_args
from hostico.web.pdf import invoice_pdf
from hostico.web.security import no_store


class CloseAccountForm(Form):
    close_password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    # The confirmation step: a closure is not undone by the customer (only staff, within 30 days), so a stray
    # click with a remembered password must not do it. A box, not a second page: the password is never echoed.
    close_confirm = BooleanField(_l("Yes, close my account: I understand that only Hostico can reopen it, within "
                                    "30 days."), validators=[DataRequired(_l("Tick the box to confirm."))])


@my_details.section("data")
def context(forms: dict) -> dict:
    """Data the "Your data" section of My Details needs (the closing form carrying errors when re-rendered)."""
    return {"data_form": EmptyForm(formdata=None), "data_needs_password": needs_password(),
            "close_form": forms.get("close") or CloseAccountForm(formdata=None)}


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


@bp.route("/my-details/close", methods=["POST"])
@limiter.limit("10 per 10 minutes", key_func=lambda: f"close-account:{getattr(current_user, 'id', '')}")
def close_my_account():
    """Close the account (the password always asked), then log this browser out."""
    form = CloseAccountForm()
    if not form.validate_on_submit():
        return my_details.render_page(422, close=form)
    try:
        closure.close_account(db.session, current_user._get_current_object(), form.close_password.data,
                              **step_up_args())
    except stepup.StepUpError as err:
        form.close_password.errors.append(after_step_up(err) or "")
        return my_details.render_page(422, close=form)
    except closure.ClosureError as err:
        form.close_password.errors.append(error_message(err))
        return my_details.render_page(422, close=form)
    end_session(reason="account_closed")
    db.session.commit()
    flash(_("Your account is closed and your personal data removed; your invoices are kept as the law requires. "
            "If this was a mistake, contact us within 30 days."), "info")
    return redirect(url_for("auth.login"), 303)

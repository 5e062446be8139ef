"""My Details — the customer's language: it decides their emails, SMS and invoice PDFs, and the pages.

A plain form post (no htmx): the whole page changes language, so it answers with a 303 back to My Details
and sets the `lang` cookie to the same choice, so this browser follows at once.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import InputRequired

from hostico.accounts.contact_details import change_language
from hostico.client.blueprint import bp
from hostico.locales import LANGUAGE_NAMES, SUPPORTED_LOCALES
from hostico.models import Customer
from hostico.web.database import db
from hostico.web.forms import Form
from hostico.web.request_language import remember_language


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=list(SUPPORTED_LOCALES),
                           validators=[InputRequired()])


@bp.route("/my-details/language", methods=["POST"])
def language_update():
    """Save the language of the customer's emails, SMS and PDFs (and of these pages)."""
    form = LanguageForm()
    if not form.validate():
        flash(_("Choose Română or English."), "error")
        return redirect(url_for("client.my_details") + "#language", code=303)
    customer = db.session.get(Customer, current_user.id)
    if change_language(db.session, customer, form.language.data, ip=request.remote_addr):
        db.session.commit()
    with force_locale(customer.language):  # the confirmation reads in the language just chosen
        flash(_("Your emails, SMS and invoices will be in %(language)s.",
                language=LANGUAGE_NAMES[customer.language]), "success")
    response = redirect(url_for("client.my_details") + "#language", code=303)
    remember_language(response, customer.language)
    return response

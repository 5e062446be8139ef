"""Staff: RO e-Factura — every document's state, its XML and signed ZIP, resend after a fix, the ANAF connection."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from hostico.billing.buyers.validation import BUYER_FIELDS, validate_buyer
from hostico.efactura import oauth
from hostico.efactura.errors import AnafError
from hostico.efactura.operations import (
    DISPLAY_STATES,
    EfacturaRefused,
    correct,
    display_state,
    documents_query,
    flag,
    resend,
)
from hostico.efactura.settings import EfacturaSettings
from hostico.models import EfacturaDocument, EfacturaUpload, Invoice, utcnow
from hostico.models.efactura import EfacturaState
from hostico.staff.blueprint import bp
from hostico.staff.lookups import business_today, client_ip
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.forms import EmptyForm
from hostico.web.htmx import is_htmx
from hostico.web.i18n import N_, country_names

PAGE_SIZE = 50
OAUTH_STATE_KEY = "anaf_oauth_state"
STATE_LABELS = {
    "pending": N_("pending"), "uploaded": N_("uploaded"), "ok": N_("ok"), "nok": N_("nok"),
    "overdue": N_("overdue"), "excluded": N_("not reported"),
}
MODE_LABELS = {
    "off": N_("off"), "simulate": N_("simulated SPV (no ANAF connection)"), "test": N_("ANAF test system"),
    "prod": N_("ANAF production"),
}
REFUSALS = {
    "not_resendable": N_("Only a document ANAF refused (nok) or one not yet uploaded can be sent again."),
    "upload_unresolved": N_("An earlier upload's answer was lost: the job is looking for it in SPV first."),
    "changes_treatment": N_("A correction cannot change the buyer's kind or country (that changes the tax "
                            "treatment): cancel the invoice with a storno and reissue it instead."),
}


def _settings() -> EfacturaSettings:
    return app_settings().efactura


def _enabled() -> EfacturaSettings:
    settings = _settings()
    if not settings.enabled:
        abort(404)
    return settings


def _document(number: str) -> tuple[EfacturaDocument, Invoice]:
    row = db.session.execute(
        select(EfacturaDocument, Invoice).join(Invoice, Invoice.id == EfacturaDocument.invoice_id)
        .where(Invoice.code == number)
    ).first()
    if row is None:
        abort(404)
    return row[0], row[1]


@bp.route("/efactura")
@requires("view")
def efactura():
    """List e-Factura documents by state, with the ANAF connection and the deadline flags."""
    settings = _enabled()
    today = business_today()
    state = request.args.get("state", "")
    state = state if state in DISPLAY_STATES else ""
    number = (request.args.get("number") or "").strip()[:24]
    try:
        page = max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    stmt = documents_query(state=state or None, number=number or None, today=today)
    rows = db.session.execute(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    counts = dict(db.session.execute(
        select(EfacturaDocument.state, func.count()).group_by(EfacturaDocument.state)).all())
    overdue = db.session.scalar(select(func.count()).select_from(EfacturaDocument).where(
        EfacturaDocument.state.in_((EfacturaState.PENDING, EfacturaState.NOK)), EfacturaDocument.deadline < today))
    zips = set(db.session.scalars(select(EfacturaUpload.document_id).where(
        EfacturaUpload.document_id.in_([d.id for d, _code in rows]), EfacturaUpload.zip.is_not(None))))
    docs = [(d, code, display_state(d, today), flag(d, today)) for d, code in rows]
    connection = oauth.connection(db.session, settings) if settings.mode in ("test", "prod") else None
    return render_template(
        "staff/efactura.html", docs=docs, state=state, number=number, page=page, more=more, counts=counts,
        overdue=overdue, zips=zips, states=DISPLAY_STATES, state_labels=STATE_LABELS, settings=settings,
        mode_label=MODE_LABELS[settings.mode], connection=connection, form=EmptyForm(), today=today)


@bp.route("/efactura/<number>.xml")
@requires("view")
def efactura_xml(number: str):
    """Download the document's UBL XML as built for SPV."""
    _enabled()
    doc, invoice = _document(number)
    if not doc.xml:
        abort(404)
    response = current_app.make_response(doc.xml)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{invoice.code}.xml"'
    return response


@bp.route("/efactura/<number>.zip")
@requires("view")
def efactura_zip(number: str):
    """Download the ZIP SPV returned (the signed original, or its error list), kept for good."""
    _enabled()
    doc, invoice = _document(number)
    upload = db.session.scalar(select(EfacturaUpload).where(
        EfacturaUpload.document_id == doc.id, EfacturaUpload.zip.is_not(None)).order_by(EfacturaUpload.id.desc())
        .limit(1))
    if upload is None:
        abort(404)
    response = current_app.make_response(upload.zip)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{invoice.code}-{upload.upload_index}.zip"'
    return response


@bp.route("/efactura/<number>/resend", methods=["POST"])
@requires("efactura.manage")
def efactura_resend(number: str):
    """Rebuild a refused document after a fix and queue it for upload again."""
    _enabled()
    if not EmptyForm().validate_on_submit():
        abort(400)
    doc, invoice = _document(number)
    try:
        resend(db.session, doc, now=utcnow(), actor_id=current_user.id, today=business_today(),
               seller=app_settings().billing.seller_snapshot())
    except EfacturaRefused as err:
        db.session.rollback()
        flash(_(REFUSALS[err.code]), "error")
    else:
        db.session.commit()
        if doc.findings:
            flash(_("%(number)s still fails validation: it will not be uploaded until it is fixed.",
                    number=invoice.code), "error")
        else:
            flash(_("%(number)s is queued for upload.", number=invoice.code), "success")
    return redirect(url_for("staff.efactura", number=invoice.code), code=303)


@bp.route("/efactura/connect", methods=["POST"])
@requires("efactura.connect")
def efactura_connect():
    """Send the operator to ANAF to authorise the app with the company's certificate."""
    settings = _enabled()
    if not EmptyForm().validate_on_submit():
        abort(400)
    if settings.mode not in ("test", "prod") or not settings.client_id:
        flash(_("Set HOSTICO_ANAF_CLIENT_ID and HOSTICO_ANAF_CLIENT_SECRET first."), "error")
        return redirect(url_for("staff.efactura"), code=303)
    state = secrets.token_urlsafe(24)
    session[OAUTH_STATE_KEY] = state
    return redirect(oauth.authorize_url(settings, state), code=303)


@bp.route("/efactura/oauth/callback")
@requires("efactura.connect")
def efactura_oauth_callback():
    """ANAF sends the operator back here with a code; the state must be the one this session sent."""
    settings = _enabled()
    expected = session.pop(OAUTH_STATE_KEY, None)
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected or not hmac.compare_digest(expected.encode(), state.encode()) or not code:
        flash(_("The ANAF authorisation could not be verified. Connect again."), "error")
        return redirect(url_for("staff.efactura"), code=303)
    try:
        tokens = oauth.exchange_code(settings, code)
    except AnafError as err:
        oauth.connection_refused(db.session, err.code, staff_id=current_user.id, ip=client_ip())
        db.session.commit()
        flash(_("ANAF refused the authorisation: %(error)s", error=str(err)), "error")
        return redirect(url_for("staff.efactura"), code=303)
    oauth.connect(db.session, settings, tokens, staff_id=current_user.id, ip=client_ip())
    db.session.commit()
    flash(_("Connected to ANAF's e-Factura."), "success")
    return redirect(url_for("staff.efactura"), code=303)


def _correctable(doc: EfacturaDocument) -> bool:
    return doc.state == EfacturaState.NOK or (doc.state == EfacturaState.PENDING and bool(doc.findings))


def _render_correct(doc: EfacturaDocument, invoice: Invoice, values: dict, errors: dict, *, status: int = 200,
                    form_error: str | None = None):
    current = doc.seller if doc.seller is not None else invoice.seller
    fresh = app_settings().billing.seller_snapshot()
    ctx = dict(doc=doc, invoice=invoice, values=values, errors=errors, prefix=f"correct-{invoice.code}",
               countries=list(country_names().items()), form_error=form_error,
               seller_changes=[(k, (current or {}).get(k), v) for k, v in fresh.items()
                               if (current or {}).get(k) != v],
               overdue=business_today() > doc.deadline, state_labels=STATE_LABELS)
    template = "staff/_efactura_correct_form.html" if is_htmx() else "staff/efactura_correct.html"
    return render_template(template, **ctx), status


@bp.route("/efactura/<number>/correct", methods=["GET", "POST"])
@requires("efactura.manage")
def efactura_correct(number: str):
    """Correct a blocked or refused document (buyer data as typed, the seller from the current settings) and
    queue it for upload again under the same number and date; the invoice itself never changes."""
    _enabled()
    doc, invoice = _document(number)
    if not _correctable(doc):
        flash(_(REFUSALS["not_resendable"]), "error")
        return redirect(url_for("staff.efactura", number=invoice.code), code=303)
    buyer_now = doc.buyer if doc.buyer is not None else invoice.buyer
    if request.method == "GET":
        return _render_correct(doc, invoice, {name: (buyer_now or {}).get(name) or "" for name in BUYER_FIELDS}, {})
    if not EmptyForm().validate_on_submit():
        abort(400)
    values = {name: request.form.get(name, "") for name in (*BUYER_FIELDS, "sector")}
    problem = _("Please correct the marked fields; nothing was saved.")
    result = validate_buyer(request.form)
    if not result.ok:
        return _render_correct(doc, invoice, values, result.errors, status=422, form_error=problem)
    try:
        correction = correct(db.session, doc, buyer=result.data, seller=app_settings().billing.seller_snapshot(),
                             now=utcnow(), today=business_today(), actor_id=current_user.id)
    except EfacturaRefused as err:
        db.session.rollback()
        doc, invoice = _document(number)
        errors = {name: _(REFUSALS[err.code]) for name in err.params.get("fields", ())}
        return _render_correct(doc, invoice, values, errors, status=422,
                               form_error=_(REFUSALS[err.code]) if not errors else problem)
    db.session.commit()
    if doc.findings:
        flash(_("%(number)s was corrected but still fails validation: it will not be uploaded until it is fixed.",
                number=invoice.code), "error")
    elif correction is not None and correction.overdue:
        flash(_("%(number)s was corrected and is queued for upload under the same number and date; its deadline "
                "has passed, so it is reported late.", number=invoice.code), "error")
    else:
        flash(_("%(number)s was corrected and is queued for upload under the same number and date.",
                number=invoice.code), "success")
    target = url_for("staff.efactura", number=invoice.code)
    if is_htmx():
        response = current_app.make_response(("", 204))
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)

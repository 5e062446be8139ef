"""Bank statements: import a CAMT.053 or MT940 file, then match or dismiss the credits left unmatched."""

from __future__ import annotations

import os

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from hostico.models import BankStatementImport, BankStatementLine, CreditEntry, Invoice
from hostico.models.credit import CreditReason
from hostico.payments.statements import StatementError
from hostico.payments.statements.matching import (
    StatementLineRefused,
    credit_line,
    dismiss_line,
    import_statement,
    match_line,
)
from hostico.staff.blueprint import bp
from hostico.staff.lookups import billing_settings, business_today
from hostico.staff.permissions import requires
from hostico.staff.statement_forms import CreditLineForm, DismissLineForm, MatchLineForm, StatementUploadForm
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.i18n import N_, date, money
from hostico.web.ids import parse_id

PAGE_SIZE = 50
LINE_STATUSES = ("unmatched", "dismissed", "matched", "credited")
REASON_LABELS = {
    "no_reference": N_("no proforma number in the text"),
    "unknown_reference": N_("the number names no proforma"),
    "amount": N_("amount is more than is left to pay on the proforma"),
    "currency": N_("currency differs from the proforma's"),
    "not_unpaid": N_("the proforma is already paid or cancelled"),
    "ambiguous": N_("several proformas fit"),
    "reversal": N_("a reversal, not a payment"),
    "before_proforma": N_("booked before the proforma was issued"),
    "refused": N_("the payment was refused (see the note)"),
}
LINE_STATUS_LABELS = {"unmatched": N_("unmatched"), "dismissed": N_("dismissed"), "matched": N_("matched"),
                      "credited": N_("credited to a customer")}


def statement_error_message(err: StatementError) -> str:
    """Say in the user's language why a statement file was refused."""
    p = err.params
    messages = {
        "empty": lambda: _("The file is empty."),
        "unknown_format": lambda: _("This file is neither a CAMT.053 statement (ISO 20022 XML) nor an MT940 "
                                    "statement."),
        "not_camt053": lambda: _("This XML file is not a CAMT.053 bank-to-customer statement."),
        "invalid_xml": lambda: _("The file is not well-formed XML: %(detail)s", detail=p.get("detail", "")),
        "invalid_mt940": lambda: _("The MT940 file could not be read: %(detail)s", detail=p.get("detail", "")),
        "bad_entry": lambda: _("Entry %(position)s of the statement has no valid amount, currency, direction or "
                               "booking date.", position=p.get("position", "?")),
    }
    return messages.get(err.code, lambda: _("The statement file could not be read."))()


def refusal_message(err: StatementLineRefused) -> str:
    """Say in the user's language why a line cannot be matched or dismissed."""
    p = err.params
    messages = {
        "not_open": lambda: _("This line was already matched, dismissed or credited."),
        "unknown_customer": lambda: _("There is no customer %(customer)s.", customer=p.get("customer", "")),
        "unknown_proforma": lambda: _("There is no proforma %(code)s.", code=p.get("code", "")),
        "not_unpaid": lambda: _("Proforma %(code)s is not unpaid; it cannot be paid again.", code=p.get("code", "")),
        "amount": lambda: _("The credit of %(amount)s is more than the %(total)s left to pay on %(code)s.",
                            code=p.get("code"),
                            amount=money(p.get("amount"), p.get("currency")),
                            total=money(p.get("total"), p.get("currency"))),
        "currency": lambda: _("The credit is in %(currency)s but the proforma is in %(proforma_currency)s.",
                              currency=p.get("currency"), proforma_currency=p.get("proforma_currency")),
        "before_proforma": lambda: _("The money arrived on %(booked)s, before %(code)s was issued (%(issued)s): "
                                     "it cannot pay it.", code=p.get("code"), booked=date(p.get("booked")),
                                     issued=date(p.get("issued"))),
        "refused": lambda: _("The payment was refused: %(detail)s", detail=p.get("detail", "")),
        "note_required": lambda: _("Say why the line is dismissed."),
    }
    return messages.get(err.code, lambda: str(err))()


def _import_page(form: StatementUploadForm, status: int = 200):
    done = parse_id(request.args.get("done"))
    batch = db.session.get(BankStatementImport, done) if done else None
    lines = []
    if batch is not None:
        lines = db.session.scalars(select(BankStatementLine).where(BankStatementLine.import_id == batch.id)
                                   .order_by(BankStatementLine.id).limit(200)).all()
    recent = db.session.scalars(select(BankStatementImport).order_by(BankStatementImport.id.desc()).limit(10)).all()
    return render_template("staff/payments_import.html", form=form, batch=batch, lines=lines, recent=recent,
                           codes=_proforma_codes(lines), reasons=_translated(REASON_LABELS),
                           line_statuses=_translated(LINE_STATUS_LABELS)), status


def _translated(labels: dict[str, str]) -> dict[str, str]:
    return {key: _(message) for key, message in labels.items()}


def _proforma_codes(lines) -> dict[int, tuple[str, object, str]]:
    ids = {line.proforma_id for line in lines if line.proforma_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Invoice.id, Invoice.code, Invoice.total, Invoice.currency)
                              .where(Invoice.id.in_(ids))).all()
    return {row.id: (row.code, row.total, row.currency) for row in rows}


@bp.route("/payments/import", methods=["GET", "POST"])
@requires("payments.record")
def payments_import():
    """Upload a bank statement; its credits are matched to proformas or wait as unmatched."""
    form = StatementUploadForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422 if form.is_submitted() else 200)
    upload = form.statement.data
    data = upload.read()
    try:
        result = import_statement(db.session, data, settings=billing_settings(), today=business_today(),
                                  filename=os.path.basename(upload.filename or "")[:200] or None,
                                  staff_id=current_user.id)
        db.session.commit()
    except StatementError as err:
        db.session.rollback()
        form.statement.errors = [statement_error_message(err)]
        return _import_page(form, status=422)
    return redirect(url_for("staff.payments_import", done=result.import_id), 303)


def _line_filters() -> dict:
    status = request.args.get("status", "unmatched")
    return {"status": status if status in LINE_STATUSES or status == "all" else "unmatched",
            "q": request.args.get("q", "").replace("\x00", "").strip()[:100],  # PostgreSQL refuses NUL bytes
            "before": parse_id(request.args.get("before"))}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _unmatched_page(*, errors: dict | None = None, line_forms: dict | None = None, status: int = 200):
    f = _line_filters()
    stmt = select(BankStatementLine)
    if f["status"] != "all":
        stmt = stmt.where(BankStatementLine.status == f["status"])
    if f["q"]:
        pattern = _like(f["q"])
        stmt = stmt.where(or_(*[col.ilike(pattern, escape="\\") for col in (
            BankStatementLine.payer_name, BankStatementLine.remittance, BankStatementLine.structured_reference,
            BankStatementLine.bank_reference, BankStatementLine.payer_iban)]))
    if f["before"]:
        stmt = stmt.where(BankStatementLine.id < f["before"])
    lines = list(db.session.scalars(stmt.order_by(BankStatementLine.id.desc()).limit(PAGE_SIZE + 1)))
    next_before = lines[PAGE_SIZE - 1].id if len(lines) > PAGE_SIZE else None
    lines = lines[:PAGE_SIZE]
    for line_id in errors or {}:
        # The line whose form was refused is shown, with its error, whatever the filters.
        if all(line.id != line_id for line in lines):
            line = db.session.get(BankStatementLine, line_id)
            if line is not None:
                lines.insert(0, line)
    return render_template(
        "staff/payments_unmatched.html", lines=lines, filters=f, next_before=next_before,
        statuses=LINE_STATUSES, codes=_proforma_codes(lines), reasons=_translated(REASON_LABELS),
        line_statuses=_translated(LINE_STATUS_LABELS), errors=errors or {}, line_forms=line_forms or {},
        match_form=MatchLineForm(formdata=None), dismiss_form=DismissLineForm(formdata=None),
        credit_form=CreditLineForm(formdata=None)), status


@bp.route("/payments/unmatched")
@requires("payments.record")
def payments_unmatched():
    """List the statement credits waiting for staff (or, filtered, those dismissed or matched)."""
    return _unmatched_page()


def _line_or_404(line_id: int) -> BankStatementLine:
    line = db.session.get(BankStatementLine, line_id)
    if line is None:
        abort(404)
    return line


def _back_to_list():
    return redirect(url_for("staff.payments_unmatched", status=request.args.get("status") or None,
                            q=request.args.get("q") or None), 303)


@bp.route("/payments/lines/<int:line_id>/match", methods=["POST"])
@requires("payments.record")
def payments_match(line_id: int):
    """Record an unmatched credit as the payment of the proforma staff name; the amounts must agree."""
    line = _line_or_404(line_id)
    form = MatchLineForm()
    if not form.validate_on_submit():
        error = next(iter(form.proforma.errors or form.note.errors or [_("Reload the page and try again.")]))
        return _unmatched_page(errors={line.id: ("match", error)}, line_forms={line.id: form}, status=422)
    try:
        line = match_line(db.session, line.id, form.proforma.data, settings=billing_settings(), today=business_today(),
                   staff_id=current_user.id, note=form.note.data)
        db.session.commit()
    except StatementLineRefused as err:
        db.session.rollback()
        return _unmatched_page(errors={line.id: ("match", refusal_message(err))}, line_forms={line.id: form},
                               status=422)
    code = db.session.scalar(select(Invoice.code).where(Invoice.id == line.proforma_id))
    flash(_("The credit of %(payer)s is recorded as the payment of %(code)s; its tax invoice is issued.",
            payer=line.payer_name or _("an unknown payer"), code=code), "success")
    excess = db.session.scalar(select(CreditEntry).where(CreditEntry.payment_id == line.payment_id,
                                                         CreditEntry.reason == CreditReason.OVERPAYMENT))
    if excess is not None:
        flash(_("%(amount)s more is now the customer's credit balance.",
                amount=money(excess.amount, excess.currency)), "success")
    return _back_to_list()


@bp.route("/payments/lines/<int:line_id>/credit", methods=["POST"])
@requires("payments.record")
def payments_credit(line_id: int):
    """Assign an unmatched credit to a customer's credit balance (the customer named by email or number)."""
    line = _line_or_404(line_id)
    form = CreditLineForm()
    if not form.validate_on_submit():
        error = next(iter(form.customer.errors or form.note.errors or [_("Reload the page and try again.")]))
        return _unmatched_page(errors={line.id: ("credit", error)}, line_forms={line.id: form}, status=422)
    if not confirmed():
        amount = money(line.amount, line.currency)
        return confirmation(
            title=_("Assign %(amount)s as credit?", amount=amount),
            question=_("The credit of %(amount)s from %(payer)s becomes the credit balance of customer %(customer)s, "
                       "to apply to a proforma or refund.", amount=amount,
                       payer=line.payer_name or _("an unknown payer"), customer=form.customer.data),
            button=_("Yes, assign it as credit"), back_url=url_for("staff.payments_unmatched"),
            base="staff/base.html")
    try:
        entry = credit_line(db.session, line.id, form.customer.data, staff_id=current_user.id, note=form.note.data)
        db.session.commit()
    except StatementLineRefused as err:
        db.session.rollback()
        return _unmatched_page(errors={line.id: ("credit", refusal_message(err))}, line_forms={line.id: form},
                               status=422)
    flash(_("%(amount)s is now credit of customer #%(customer)s.", amount=money(entry.amount, entry.currency),
            customer=entry.customer_id), "success")
    return _back_to_list()


@bp.route("/payments/lines/<int:line_id>/dismiss", methods=["POST"])
@requires("payments.record")
def payments_dismiss(line_id: int):
    """Set an unmatched credit aside with a note (it stays listed under 'dismissed')."""
    line = _line_or_404(line_id)
    form = DismissLineForm()
    if not form.validate_on_submit():
        error = next(iter(form.note.errors or [_("Reload the page and try again.")]))
        return _unmatched_page(errors={line.id: ("dismiss", error)}, line_forms={line.id: form}, status=422)
    try:
        dismiss_line(db.session, line.id, note=form.note.data, staff_id=current_user.id)
        db.session.commit()
    except StatementLineRefused as err:
        db.session.rollback()
        return _unmatched_page(errors={line.id: ("dismiss", refusal_message(err))}, line_forms={line.id: form},
                               status=422)
    flash(_("The line is dismissed."), "success")
    return _back_to_list()

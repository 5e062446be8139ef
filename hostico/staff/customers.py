"""Customers: search, the customer page, revoking a customer's mail-login links and ending their sessions."""

from __future__ import annotations

import unicodedata

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select

from hostico.accounts import closure, invitations, login_sessions
from hostico.accounts.mail_links import revoke_customer_links
from hostico.billing.buyers.validation import validate_buyer
from hostico.billing.queries import statuses_of
from hostico.models import AuditLog, BillingProfile, Customer, Invoice, MailLoginToken, OutboxMessage, Service, utcnow
from hostico.notify.receipts import suspension_timelines
from hostico.staff.blueprint import bp
from hostico.staff.forms import NewCustomerForm, NonceForm, SuspendForm, TerminateForm
from hostico.staff.invoices import proforma_form
from hostico.staff.lookups import business_today, client_ip, customer_or_404
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.billing_form import check_vat_number, company_lookup_answer, is_filled, typed_values
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm
from hostico.web.i18n import country_names, error_message
from hostico.web.words import actor_names

PER_PAGE = 25
MAX_PAGE = 400
SECTION_LIMIT = 50


def clean_query(raw: str | None, limit: int = 100) -> str:
    """Drop control characters (PostgreSQL refuses NUL) and cap the length of a search term."""
    text = "".join(ch for ch in (raw or "") if unicodedata.category(ch) not in ("Cc", "Cs", "Cf"))
    return " ".join(text.split())[:limit]


def like_pattern(term: str) -> str:
    """Return a LIKE pattern matching term anywhere, with % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(column, term: str):
    # lower() on both sides for ASCII on every engine; the raw pattern too, because SQLite's lower()
    # leaves non-ASCII letters (Ș, Ă) as they are.
    return or_(func.lower(column).like(like_pattern(term.lower()), escape="\\"),
               column.like(like_pattern(term), escape="\\"))


def search_customers(q: str, page: int) -> tuple[list[Customer], bool]:
    """Find customers by name, email, company, CUI or invoice number; one page, newest first."""
    stmt = select(Customer)
    if q:
        cui = q.upper().removeprefix("RO").strip() or q
        profile_ids = select(BillingProfile.customer_id).where(or_(
            _matches(BillingProfile.company_name, q), _matches(BillingProfile.name, q),
            _matches(BillingProfile.cui, cui), _matches(BillingProfile.vat_number, q)))
        invoice_ids = select(Invoice.customer_id).where(_matches(Invoice.code, q))
        stmt = stmt.where(or_(_matches(Customer.name, q), _matches(Customer.email, q),
                              Customer.id.in_(profile_ids), Customer.id.in_(invoice_ids)))
    rows = db.session.scalars(
        stmt.order_by(Customer.id.desc()).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    return list(rows[:PER_PAGE]), len(rows) > PER_PAGE


@bp.route("/customers")
@requires("view")
def customers():
    """Search customers (name, email, company, CUI, invoice number)."""
    q = clean_query(request.args.get("q"))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    rows, has_next = search_customers(q, page)
    return render_template("staff/customers.html", customers=rows, q=q, page=page, has_next=has_next)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@bp.route("/customers/<int:customer_id>")
@requires("view")
def customer(customer_id: int):
    """Show a customer: details, billing profiles, services, invoices, notifications, audit trail."""
    c = customer_or_404(customer_id)
    s = db.session
    profiles = s.scalars(select(BillingProfile).where(BillingProfile.customer_id == c.id)
                         .order_by(BillingProfile.id).limit(SECTION_LIMIT)).all()
    services = s.scalars(select(Service).where(Service.customer_id == c.id).order_by(Service.id)
                         .limit(SECTION_LIMIT)).all()
    invoices = s.scalars(select(Invoice).where(Invoice.customer_id == c.id).order_by(Invoice.id.desc())
                         .limit(SECTION_LIMIT)).all()
    messages = s.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == c.id)
                         .order_by(OutboxMessage.id.desc()).limit(SECTION_LIMIT)).all()
    audit = s.scalars(select(AuditLog).where(AuditLog.customer_id == c.id)
                      .order_by(AuditLog.id.desc()).limit(20)).all()
    counts = {
        "invoices": _count(Invoice, Invoice.customer_id == c.id),
        "messages": _count(OutboxMessage, OutboxMessage.customer_id == c.id),
        "live_links": _count(MailLoginToken, MailLoginToken.customer_id == c.id,
                             MailLoginToken.revoked_at.is_(None), MailLoginToken.expires_at > utcnow()),
        "sessions": login_sessions.count_active(s, c, limits=app_settings().accounts.session_limits("customer")),
    }
    closed = closure.open_closure(s, c) if c.closed_at else None
    return render_template(
        "staff/customer.html", customer=c, profiles=profiles, services=services, invoices=invoices,
        invoice_statuses=statuses_of(invoices, business_today()),
        messages=messages, audit=audit, who=actor_names(audit), counts=counts, suspend_form=SuspendForm(),
        empty_form=EmptyForm(), timelines=suspension_timelines(s, c.id, [svc.id for svc in services]),
        closure=closed, closure_reopenable=closure.can_reopen(closed),
        terminate_form=TerminateForm(), proforma_form=proforma_form(c, services, profiles),
        resend_form=NonceForm(), invited=invitations.is_invited(c),
    )


@bp.route("/customers/<int:customer_id>/revoke-links", methods=["POST"])
@requires("maillogin.revoke")
def revoke_links(customer_id: int):
    """Revoke every live mail-login link of the customer."""
    c = customer_or_404(customer_id)
    form = EmptyForm()
    if form.validate_on_submit():
        count = revoke_customer_links(db.session, c.id, reason="staff", actor_kind="staff", actor_id=current_user.id)
        db.session.commit()
        flash(_("Revoked %(n)d mail-login links.", n=count), "success")
    return redirect(url_for("staff.customer", customer_id=c.id), 303)


@bp.route("/customers/<int:customer_id>/end-sessions", methods=["POST"])
@requires("sessions.end")
def end_sessions(customer_id: int):
    """Log the customer out everywhere: end every server-side session (and any half-finished login)."""
    c = customer_or_404(customer_id)
    form = EmptyForm()
    if form.validate_on_submit():
        count = login_sessions.end_customer_sessions(db.session, c, actor_kind="staff", actor_id=current_user.id,
                                                     reason="staff", ip=client_ip())
        db.session.commit()
        flash(ngettext("Ended %(num)d session of the customer.", "Ended %(num)d sessions of the customer.", count),
              "success")
    return redirect(url_for("staff.customer", customer_id=c.id), 303)


@bp.route("/customers/<int:customer_id>/reopen", methods=["POST"])
@requires("accounts.reopen")
def reopen_account(customer_id: int):
    """Undo a customer's closure within 30 days: the account and its billing data as they were."""
    c = customer_or_404(customer_id)
    if EmptyForm().validate_on_submit():
        try:
            closure.reopen_account(db.session, c, staff_id=current_user.id, ip=client_ip())
        except closure.ClosureError as err:
            db.session.rollback()
            flash(error_message(err), "error")
        else:
            db.session.commit()
            flash(_("The account is open again; the customer logs in with the same password."), "success")
    return redirect(url_for("staff.customer", customer_id=c.id), 303)


@bp.route("/customers/new", methods=["GET", "POST"])
@requires("customers.create")
def customer_new():
    """Open a customer's account, with their billing data when given; the customer chooses the password from the
    invitation email. Any invalid field creates nothing (docs/accounts.md, "Invitations")."""
    form = NewCustomerForm(prefix="account")
    if not form.is_submitted():
        form.language.data = "ro"
    billing = typed_values(request.form) if form.is_submitted() else {"kind": "person", "country": "RO"}
    billing_errors: dict[str, str] = {}
    if form.is_submitted():
        valid = form.validate_on_submit()
        buyer, notice = None, None
        if is_filled(billing):
            typed = validate_buyer(request.form)
            billing_errors = dict(typed.errors)
            if valid and typed.ok:
                buyer, billing_errors, notice = check_vat_number(typed.data)  # VIES, as in My Details
        if valid and not billing_errors:
            try:
                c = invitations.invite_customer(
                    db.session, current_user._get_current_object(), name=form.name.data, email=form.email.data,
                    language=form.language.data, ip=client_ip(), buyer=buyer, billing=app_settings().billing)
            except invitations.AddressTaken as err:
                db.session.rollback()
                form.email.errors.append(error_message(err))
            except invitations.InvitationError as err:
                db.session.rollback()
                form.name.errors.append(error_message(err))
            else:
                db.session.commit()
                flash(_("Customer created; the invitation is on its way to %(email)s.", email=c.email), "success")
                if notice:
                    flash(notice, "info")
                return redirect(url_for("staff.customer", customer_id=c.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/customer_new.html", form=form, values=billing, errors=billing_errors, prefix="billing",
        billing_open=is_filled(billing),
        countries=list(country_names().items()),
        form_error=_("Please correct the marked fields; nothing was created.") if billing_errors else None,
    ), status


@bp.route("/customers/new/company-lookup")
@requires("customers.create")
@limiter.limit("30 per minute")
def company_lookup():
    """Fill the new customer's company from ANAF's registry (the same lookup as the customer's own forms)."""
    return company_lookup_answer()


@bp.route("/customers/<int:customer_id>/invitation", methods=["POST"])
@requires("customers.create")
def resend_invitation(customer_id: int):
    """Email the customer a new invitation (the earlier links stop working)."""
    c = customer_or_404(customer_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            invitations.resend_invitation(db.session, current_user._get_current_object(), c, ip=client_ip())
        except invitations.InvitationError as err:
            db.session.rollback()
            flash(error_message(err), "error")
        else:
            db.session.commit()
            flash(_("A new invitation is on its way to %(email)s.", email=c.email), "success")
    return redirect(url_for("staff.customer", customer_id=c.id), 303)

"""Invoices: the staff invoice page; proformas on a customer's behalf, bank-transfer payments,
cancelling proformas, credit notes, resending invoice emails."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from hostico.billing.buyers.profiles import is_usable
from hostico.billing.corrections import reissue_citation, remaining_to_credit
from hostico.billing.errors import BillingError
from hostico.billing.invoicing import LineSpec
from hostico.billing.payments import payment_with_key, record_payment
from hostico.billing.queries import statuses_of
from hostico.billing.staff_ops import cancel_proforma, issue_proforma_for_customer, resend_invoice_email
from hostico.billing.vat_checks import with_vies
from hostico.models import BillingProfile, Customer, Invoice, InvoiceEvent, OutboxMessage, Payment, Service
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.models.service import ServiceStatus
from hostico.payments.checkout import card_payment
from hostico.staff.actions import run_change
from hostico.staff.blueprint import bp
from hostico.staff.forms import CreditNoteForm, NonceForm, PaymentForm, ProformaForm, ReasonForm, ReissueForm
from hostico.staff.lookups import billing_settings, business_today, customer_or_404, invoice_or_404
from hostico.staff.permissions import requires
from hostico.staff.refusals import show
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.i18n import buyer_kind_label, cycle_label, money
from hostico.web.pdf import totals_context
from hostico.web.words import actor_names

BILLABLE = (ServiceStatus.PENDING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


def proforma_form(customer: Customer, services: list[Service], profiles: list[BillingProfile]) -> ProformaForm:
    """Build the 'issue a proforma' form with the customer's billable services and profiles."""
    form = ProformaForm()
    form.services.choices = [SelectChoice(s.id, f"{s.domain} — {money(s.price, s.currency)} / {cycle_label(s.cycle)}")
                             for s in services if s.status in BILLABLE]
    # Only complete billing data, not waiting for approval: no invoice without the buyer's address (docs/fiscal.md).
    usable = [p for p in profiles if is_usable(p, billing_settings())]
    form.profile.choices = [SelectChoice(0, _("The customer's default billing profile"))] + [
        SelectChoice(p.id, f"{p.display_name} ({p.label or buyer_kind_label(p.kind)})") for p in usable]
    if form.profile.data is None:
        form.profile.data = next((p.id for p in usable if p.is_default), 0)
    return form


def payment_form(invoice: Invoice) -> PaymentForm:
    """Build the bank-transfer form; the tax invoice may go to a saved profile or another payer."""
    profiles = db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == invoice.customer_id, BillingProfile.deleted_at.is_(None))
        .order_by(BillingProfile.id).limit(50)).all()
    form = PaymentForm()
    form.payer.choices = [SelectChoice("", _("The proforma's billing data")), *[
        SelectChoice(f"profile:{p.id}", f"{p.display_name} ({p.label or buyer_kind_label(p.kind)})")
        for p in profiles],
        SelectChoice("other", _("Another payer (fill in below)"))]
    form.profiles = {f"profile:{p.id}": p for p in profiles}
    if form.amount.data is None:
        form.amount.data = invoice.amount_due
    if form.received_on.data is None and not form.is_submitted():
        form.received_on.data = business_today()
    return form


def payer_profiles(customer_id: int) -> list[BillingProfile]:
    """Return the customer's saved billing profiles a document may be issued on."""
    return db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == customer_id, BillingProfile.deleted_at.is_(None))
        .order_by(BillingProfile.id).limit(50)).all()


def credit_form(invoice: Invoice, remaining) -> CreditNoteForm:
    """Build the credit-note form: the invoice's lines to pick, or an amount up to what is left."""
    form = CreditNoteForm(prefix="credit")
    form.lines.choices = [SelectChoice(line.position, f"{line.position}. {line.description[:80]}")
                          for line in invoice.lines]
    form.remaining = remaining
    return form


def reissue_form(invoice: Invoice) -> ReissueForm:
    """Build the storno-and-reissue form: the original buyer or one of the customer's profiles."""
    form = ReissueForm(prefix="reissue")
    form.profiles = {f"profile:{p.id}": p for p in payer_profiles(invoice.customer_id)}
    form.payer.choices = [SelectChoice("", _("The same buyer as %(code)s", code=invoice.code)), *[
        SelectChoice(key, f"{p.display_name} ({p.label or p.kind})") for key, p in form.profiles.items()]]
    return form


def _invoice_page(invoice: Invoice, *, pay_form: PaymentForm | None = None, status: int = 200,
                  credit: CreditNoteForm | None = None, reissue: ReissueForm | None = None):
    s = db.session
    related = s.scalars(select(Invoice).where(or_(Invoice.proforma_id == invoice.id,
                                                  Invoice.corrects_id == invoice.id)).order_by(Invoice.id)).all()
    source = s.get(Invoice, invoice.proforma_id or invoice.corrects_id) if (
        invoice.proforma_id or invoice.corrects_id) else None
    events = s.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id)
                       .order_by(InvoiceEvent.id).limit(100)).all()
    payments = s.scalars(select(Payment).where(or_(Payment.invoice_id == invoice.id,
                                                   Payment.tax_invoice_id == invoice.id))
                         .order_by(Payment.id).limit(20)).all()
    messages = s.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice.id)
                         .order_by(OutboxMessage.id.desc()).limit(50)).all()
    remaining = remaining_to_credit(s, invoice) if invoice.kind == InvoiceKind.TAX else None
    reissued = any(r.kind == InvoiceKind.TAX and r.id > invoice.id for r in s.scalars(
        select(Invoice).where(Invoice.proforma_id == invoice.proforma_id))) if invoice.proforma_id else False
    shown_status = statuses_of([invoice], business_today(), credit_notes=related)[invoice.id]
    return render_template(
        "staff/invoice.html", invoice=invoice, shown_status=shown_status,
        customer=s.get(Customer, invoice.customer_id), related=related,
        citation=reissue_citation(s, invoice), card_paid=card_payment(s, invoice), **totals_context(invoice),
        source=source, events=events, payments=payments, messages=messages, who=actor_names(events),
        pay_form=pay_form or payment_form(invoice), cancel_form=ReasonForm(prefix="cancel"),
        credit_form=credit or credit_form(invoice, remaining), resend_form=NonceForm(),
        reissue_form=reissue or (reissue_form(invoice) if remaining == 0 and not reissued else None),
    ), status


def _back(invoice: Invoice):
    return redirect(url_for("staff.invoice", code=invoice.code), 303)


@bp.route("/invoices/<code>")
@requires("view")
def invoice(code: str):
    """Show an invoice with its lines, history, payments, notices and the actions staff may take."""
    return _invoice_page(invoice_or_404(code))


@bp.route("/customers/<int:customer_id>/proformas", methods=["POST"])
@requires("invoices.manage")
def issue_proforma(customer_id: int):
    """Issue a proforma on the customer's behalf (origin system: email + SMS like the renewal run)."""
    customer = customer_or_404(customer_id)
    services = db.session.scalars(select(Service).where(Service.customer_id == customer.id)
                                  .order_by(Service.id).limit(200)).all()
    profiles = db.session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id)
                                  .order_by(BillingProfile.id).limit(50)).all()
    form = proforma_form(customer, services, profiles)
    back = redirect(url_for("staff.customer", customer_id=customer.id, _anchor="issue-proforma"), 303)
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}", "error")
        return back
    chosen = [s for s in services if s.id in set(form.services.data or [])]
    lines = [LineSpec(description=form.description.data.strip(), unit_price=form.amount.data)] \
        if form.description.data else []
    profile = next((p for p in profiles if p.id == form.profile.data), None)
    change = run_change(lambda: issue_proforma_for_customer(
        db.session, customer, services=chosen, lines=lines, settings=billing_settings(), today=business_today(),
        staff_id=current_user.id, profile=profile))
    if not change.ok:
        return back
    inv = change.value
    flash(_("Proforma %(code)s issued; the customer is notified.", code=inv.code), "success")
    return _back(inv)


@bp.route("/invoices/<code>/payment", methods=["POST"])
@requires("payments.record")
def record_transfer(code: str):
    """Record a bank transfer that pays a proforma; its tax invoice is issued at once."""
    inv = invoice_or_404(code)
    form = payment_form(inv)
    if not form.validate_on_submit():
        return _invoice_page(inv, pay_form=form, status=422)
    key = f"staff-transfer:{form.key.data}"
    if payment_with_key(db.session, key):
        flash(_("This payment was already recorded."), "info")
        return _back(inv)
    buyer = None
    if form.payer.data == "other":
        # An EU business's VAT number is checked in VIES before the row lock: reverse charge only if valid.
        buyer = with_vies(form.other_payer(), billing_settings())
    elif form.payer.data in form.profiles:
        buyer = form.profiles[form.payer.data].snapshot()
    try:
        payment = record_payment(db.session, inv.id, amount=form.amount.data, method="bank_transfer",
                                 settings=billing_settings(), today=business_today(),
                                 received_on=form.received_on.data or business_today(),
                                 reference=form.reference.data.strip(), idempotency_key=key,
                                 staff_id=current_user.id, buyer=buyer,
                                 excess_to_credit=form.excess_to_credit.data)
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        if show(err, form):
            return _invoice_page(inv, pay_form=form, status=422)
        return _back(inv)
    except IntegrityError:
        db.session.rollback()
        if payment_with_key(db.session, key):
            flash(_("This payment was already recorded."), "info")  # the same form sent twice at once
        else:
            flash(_("The payment could not be recorded; nothing was changed."), "error")
        return _back(inv)
    tax = db.session.get(Invoice, payment.tax_invoice_id)
    if inv.status == InvoiceStatus.UNPAID:
        flash(_("Payment recorded; advance tax invoice %(code)s issued. %(due)s is left to pay.", code=tax.code,
                due=money(inv.amount_due, inv.currency)), "success")
    else:
        flash(_("Payment recorded; tax invoice %(code)s issued.", code=tax.code), "success")
    if payment.amount != form.amount.data:
        flash(_("%(amount)s more is now the customer's credit balance.",
                amount=money(form.amount.data - payment.amount, payment.currency)), "success")
    return _back(inv)


@bp.route("/invoices/<code>/cancel", methods=["POST"])
@requires("invoices.manage")
def cancel(code: str):
    """Cancel an unpaid proforma."""
    inv = invoice_or_404(code)
    form = ReasonForm(prefix="cancel")
    if not form.validate_on_submit():
        flash(_("Give a reason for cancelling."), "error")
        return _back(inv)
    reason = form.reason.data.strip()
    if not confirmed():
        return confirmation(
            title=_("Cancel proforma %(code)s?", code=inv.code),
            question=_("Proforma %(code)s (%(total)s) is cancelled: the customer no longer owes it and cannot pay it "
                       "any more. This cannot be undone.", code=inv.code, total=money(inv.total, inv.currency)),
            details=[_("Reason: %(reason)s", reason=reason)],
            button=_("Yes, cancel %(code)s", code=inv.code), back_url=url_for("staff.invoice", code=inv.code),
            base="staff/base.html")
    change = run_change(lambda: cancel_proforma(db.session, inv, staff_id=current_user.id, reason=reason))
    if not change.ok:
        return _back(inv)
    flash(_("Proforma %(code)s is cancelled.", code=inv.code), "success")
    return _back(inv)


@bp.route("/invoices/<code>/resend", methods=["POST"])
@requires("invoices.resend")
def resend(code: str):
    """Send the invoice email to the customer again."""
    inv = invoice_or_404(code)
    form = NonceForm()
    if not form.validate_on_submit():
        flash(_("Reload the page and try again."), "error")
        return _back(inv)
    change = run_change(lambda: resend_invoice_email(db.session, inv, staff_id=current_user.id, nonce=form.nonce.data))
    if not change.ok:
        return _back(inv)
    queued = change.value
    if queued:
        flash(_("The email with %(code)s is queued.", code=inv.code), "success")
    else:
        flash(_("This resend was already queued."), "info")
    return _back(inv)

"""VIES checks of the buyers' VAT numbers (docs/fiscal.md): when billing data is saved, and again later for
the numbers VIES could not check.

An EU business (outside Romania) with a VAT number gets reverse charge only once VIES said its number
is valid; the answer (valid, name, consultation number, time) travels with the buyer data, into the
billing profile and every document issued on it. While VIES is unavailable the buyer's answer is
`pending`: Romanian VAT applies, and `recheck_pending` (the worker, and each billing run) asks again,
then turns the buyer's unpaid proformas to reverse charge once VIES confirms the number.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.billing import vies
from hostico.billing.invoicing import add_event, recompute
from hostico.billing.queries import unpaid_proforma
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import tax_treatment
from hostico.models import BillingProfile, Invoice
from hostico.models.billing_profile import BuyerSnapshot, ProfileKind

log = logging.getLogger(__name__)
Checker = Callable[[str], vies.ViesAnswer]


def checker(settings: BillingSettings) -> Checker:
    """Return a function asking VIES about one VAT number with the settings' URL, timeout and requester."""
    # VIES gives a consultation number to a requester that is itself a VAT payer in the EU.
    requester = vies.requester_of(settings.seller_snapshot().get("cui", "")) if settings.seller_vat_payer else None
    return lambda number: vies.check_vat(settings.vies_url, number, requester=requester,
                                         timeout=settings.vies_timeout)


def with_vies(buyer: BuyerSnapshot, settings: BillingSettings, *, check: Checker | None = None) -> BuyerSnapshot:
    """Return the buyer data with VIES's answer about its VAT number (asked now) under `vies`.

    Buyers that need no check (persons, Romanian companies, companies outside the EU) come back
    without a `vies` entry.
    """
    data = buyer.copy()
    data.pop("vies", None)
    if not vies.needs_check(data):
        return data
    answer = (check or checker(settings))(data["vat_number"] or "")  # needs_check: there is one
    data["vies"] = answer.snapshot()
    return data


def vies_status(buyer: BuyerSnapshot) -> str | None:
    """Return valid | invalid | pending for a buyer whose VAT number needs VIES, None otherwise.

    A buyer without an answer about its current number (data saved before VIES was asked) is pending.
    """
    if not vies.needs_check(buyer):
        return None
    answer = buyer.get("vies")
    if answer is None or not vies.still_applies(buyer, answer):
        return vies.PENDING
    return answer.get("status") or vies.PENDING


@dataclass
class RecheckSummary:
    checked: int = 0
    confirmed: int = 0
    refused: int = 0
    pending: int = 0
    proformas_changed: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"VIES: checked {self.checked}, confirmed {self.confirmed}, refused {self.refused}, "
                f"still pending {self.pending}, proformas recomputed {len(self.proformas_changed)}")


def _pending_profiles(session: Session) -> list[BillingProfile]:
    rows = session.scalars(select(BillingProfile).where(
        BillingProfile.vat_number.is_not(None), BillingProfile.country != "RO",
        BillingProfile.deleted_at.is_(None), BillingProfile.kind == ProfileKind.COMPANY).order_by(BillingProfile.id))
    return [p for p in rows if vies_status(p.snapshot()) == vies.PENDING]


def _pending_proformas(session: Session) -> list[int]:
    # EU buyers outside Romania are invoiced in EUR: that narrows the unpaid proformas to look at.
    rows = session.execute(select(Invoice.id, Invoice.buyer).where(
        unpaid_proforma(), Invoice.currency != "RON").order_by(Invoice.id))
    return [row.id for row in rows if vies_status(row.buyer) == vies.PENDING]


def recheck_pending(session: Session, settings: BillingSettings, *, today: dt.date,
                    check: Checker | None = None) -> RecheckSummary:
    """Ask VIES again about every VAT number it could not check, and apply its answers.

    Billing profiles get the answer; unpaid proformas get it in their buyer data and are recomputed
    (reverse charge once confirmed), with an event in their history. Each number is asked once per
    call. Flushes, never commits.
    """
    from hostico.billing.payments import lock_invoice  # payments imports this module's neighbours

    check = check or checker(settings)
    answers: dict[str, vies.ViesAnswer] = {}
    summary = RecheckSummary()

    def answer_for(number: str) -> vies.ViesAnswer:
        number = number.replace(" ", "").upper()
        if number not in answers:
            answers[number] = check(number)
            summary.checked += 1
            status = answers[number].status
            if status == vies.VALID:
                summary.confirmed += 1
            elif status == vies.INVALID:
                summary.refused += 1
            else:
                summary.pending += 1
        return answers[number]

    for profile in _pending_profiles(session):
        answer = answer_for(profile.vat_number or "")  # pending: it has one
        profile.vies = answer.snapshot()
    for invoice_id in _pending_proformas(session):
        invoice = lock_invoice(session, invoice_id)
        if not invoice.is_editable or vies_status(invoice.buyer) != vies.PENDING:
            continue  # paid, cancelled or changed since the list was read
        answer = answer_for(invoice.buyer["vat_number"] or "")  # pending: it has one
        before = {"vies": invoice.buyer.get("vies"), "vat_category": invoice.vat_category,
                  "total": str(invoice.total)}
        old = tax_treatment(invoice.buyer, settings, today)
        checked = invoice.buyer.copy()
        checked["vies"] = answer.snapshot()
        invoice.buyer = checked
        if tax_treatment(invoice.buyer, settings, today) != old:
            recompute(invoice, settings, today)
            summary.proformas_changed.append(invoice.code)
        if answer.status != vies.PENDING:
            add_event(session, invoice, "vies_checked", before=before,
                      after={"vies": answer.snapshot(), "vat_category": invoice.vat_category,
                             "total": str(invoice.total)},
                      code="vies_valid" if answer.status == vies.VALID else "vies_invalid",
                      params={"number": answer.vat_number, "request": answer.request_id or "-"})
        session.flush()
    if summary.checked:
        log.info(summary.line())
    return summary

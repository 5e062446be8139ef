"""The billing-profile lifecycle as domain operations (hostico.billing.buyers.lifecycle), without a request:
the first complete data is approved, a change of identity needs approval again, deleting the default hands
it over, and each operation leaves its audit record for the caller's commit."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from hostico.billing.buyers import lifecycle
from hostico.models import AuditLog

BUYER = {"kind": "person", "name": "Ana Pop", "cnp": None, "company_name": None, "cui": None, "reg_com": None,
         "vat_number": None, "address": "Str. A 1", "city": "Cluj-Napoca", "county": "RO-CJ",
         "postal_code": None, "country": "RO"}


def _actions(session, customer_id) -> list[str]:
    return list(session.scalars(select(AuditLog.action).where(AuditLog.customer_id == customer_id)
                                .order_by(AuditLog.id)))


def test_first_profile_is_approved_and_default_the_next_waits(session, make, settings):
    c = make.make_customer(billing=False)
    on = dataclasses.replace(settings, approve_new_billing_profiles=True)
    first = lifecycle.create_profile(session, c.id, BUYER, on, label="  Home  ")
    second = lifecycle.create_profile(session, c.id, {**BUYER, "name": "Ion Pop"}, on)
    assert (first.approval, first.is_default, first.label) == ("approved", True, "Home")
    assert (second.approval, second.is_default) == ("pending", False)
    assert _actions(session, c.id) == ["billing_profile.created", "billing_profile.created"]


def test_a_new_default_takes_over_and_deleting_it_hands_the_default_back(session, make, settings):
    c = make.make_customer(billing=False)
    first = lifecycle.create_profile(session, c.id, BUYER, settings)
    second = lifecycle.create_profile(session, c.id, BUYER, settings, default="always")
    assert (first.is_default, second.is_default) == (False, True)
    lifecycle.delete_profile(session, second)
    assert second.deleted_at is not None and not second.is_default
    assert first.is_default
    lifecycle.make_default(session, first)
    assert lifecycle.live_profiles(session, c.id) == [first]
    assert _actions(session, c.id)[-2:] == ["billing_profile.deleted", "billing_profile.default"]


def test_changing_who_is_billed_needs_approval_again_a_new_address_does_not(session, make, settings):
    c = make.make_customer(billing=False)
    on = dataclasses.replace(settings, approve_new_billing_profiles=True)
    profile = lifecycle.create_profile(session, c.id, BUYER, on)
    profile.used_for_invoicing = True
    lifecycle.update_profile(session, profile, {**BUYER, "address": "Str. B 2"}, on, label=None)
    assert (profile.approval, profile.used_for_invoicing, profile.address) == ("approved", True, "Str. B 2")
    lifecycle.update_profile(session, profile, {**BUYER, "name": "Ion Pop"}, on, label=None)
    assert (profile.approval, profile.used_for_invoicing) == ("pending", False)
    assert _actions(session, c.id)[-1] == "billing_profile.updated"


def test_staff_rejection_leaves_a_profile_that_already_billed_usable(session, make, settings):
    c = make.make_customer(billing=False)
    fresh = lifecycle.create_profile(session, c.id, BUYER, settings, approve_first=False, default="never")
    billed = lifecycle.create_profile(session, c.id, BUYER, settings, approve_first=False, default="never")
    billed.used_for_invoicing = True
    assert (fresh.approval, fresh.is_default) == ("pending", False)
    lifecycle.reject(fresh)
    lifecycle.reject(billed)
    assert (fresh.approval, billed.approval) == ("rejected", "pending")
    lifecycle.approve(fresh)
    assert fresh.approval == "approved"

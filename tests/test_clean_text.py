"""No saved text holds control characters: every form refuses them at the field and changes nothing, and a
migration cleans rows saved before (docs/fiscal.md, "Clean text")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import create_engine, select, text

import hostico
from hostico.db import upgrade
from hostico.models import BillingProfile, Invoice, Service
from hostico.text import has_control_characters, strip_control_characters
from hostico.web.forms import Form

HX = {"HX-Request": "true"}
PERSON = {"kind": "person", "name": "Maria Țurcanu", "cnp": "2850315123457", "address": "Str. Lungă nr. 5",
          "city": "Brașov", "county": "Brașov", "postal_code": "500001", "country": "RO"}
MESSAGE = "This field holds a control character"


@pytest.mark.parametrize("value", ["Evil\x01Name", "a\x00b", "esc\x1b[31m", "del\x7f", "c1\x85", "c1\x9f",
                                   "lone\ud800", "non\ufffe", "non\uffff", "tab\there", "new\nline", "cr\r"])
def test_a_single_line_text_refuses_control_characters(value):
    assert has_control_characters(value)
    assert not has_control_characters(strip_control_characters(value))


@pytest.mark.parametrize("value", ["Ștefănescu Web SRL", "Str. Lungă nr. 5, ap. 3", "Zoë & Co. „citat”", "", None,
                                   "emoji 🙂", "\u00a0nbsp", "日本語"])
def test_ordinary_text_passes(value):
    assert not has_control_characters(value)


def test_a_textarea_keeps_tab_and_newlines_but_not_other_controls():
    assert not has_control_characters("line one\r\nline two\tend", multiline=True)
    assert has_control_characters("bell\x07", multiline=True)


def test_every_form_of_the_app_derives_from_the_clean_form():
    """A new FlaskForm subclass outside hostico.web.forms.Form would skip the check: this walk fails then."""
    for module in pkgutil.walk_packages(hostico.__path__, "hostico."):
        if ".migrations" in module.name:
            continue
        loaded = importlib.import_module(module.name)
        for _name, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.name and cls is not Form:
                assert issubclass(cls, Form), f"{module.name}.{cls.__name__} must derive from hostico.web.forms.Form"


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Popescu")
    login_as(client, c)
    return c


@pytest.mark.parametrize("field", ["name", "address", "city", "postal_code"])
def test_proforma_edit_refuses_a_control_character_at_the_field(client, session, customer, make, field):
    proforma = make.make_proforma(customer, amount="100.00")
    token = client.csrf_token("/invoices")
    resp = client.post(f"/invoices/{proforma.code}/edit", headers=HX,
                       data={"csrf_token": token, **PERSON, field: PERSON[field][:3] + "\x01" + PERSON[field][3:]})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    error_div = body.split(f'id="edit-{proforma.code}-{field}-error">')[1].split("</div>")[0]
    assert MESSAGE in error_div
    session.expire_all()
    inv = session.get(Invoice, proforma.id)
    assert inv.buyer["name"] == "Ion Popescu" and inv.total == Decimal("121.00")


def test_proforma_edit_in_romanian_says_so_in_romanian(client, session, customer, make):
    proforma = make.make_proforma(customer, amount="100.00")
    token = client.csrf_token("/invoices")
    resp = client.post(f"/invoices/{proforma.code}/edit?lang=ro", headers=HX,
                       data={"csrf_token": token, **PERSON, "company_name": "", "name": "Evil\x01Name"})
    assert "Câmpul conține un caracter de control" in resp.get_data(as_text=True)


def test_a_new_billing_profile_with_a_control_character_in_its_label_is_not_saved(client, session, customer):
    before = session.scalars(select(BillingProfile.id)).all()
    resp = client.post_form("/my-details/profiles", {**PERSON, "label": "Home\x07"}, token_from="/my-details")
    assert resp.status_code == 422
    assert MESSAGE in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(BillingProfile.id)).all() == before


def test_an_order_with_a_control_character_in_the_billing_name_is_not_placed(client, session, make, login_as):
    buyer = make.make_customer(billing=False)
    login_as(client, buyer)
    product = make.make_product()
    resp = client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "clean-text.ro",
                                       **PERSON, "name": "Evil\x01Name"}, token_from="/order")
    assert resp.status_code in (200, 422)
    assert MESSAGE in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Service).where(Service.domain == "clean-text.ro")).all() == []


def test_staff_textarea_keeps_newlines_and_refuses_a_bell(client, make, login_staff, session):
    customer = make.make_customer()
    service = make.make_service(customer, domain="bell.ro", status="active")
    login_staff(client, make.make_staff(role="support"))
    page = f"/staff/customers/{customer.id}"
    resp = client.post_form(f"/staff/services/{service.id}/suspend",
                            {"reason": "abuse", "note": "spam\x07", "confirm": "yes"},
                            token_from=page)
    assert MESSAGE in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).status == "active"
    client.post_form(f"/staff/services/{service.id}/suspend",
                     {"reason": "abuse", "note": "spam\r\nkit", "confirm": "yes"},
                     token_from=page)
    session.expire_all()
    assert session.get(Service, service.id).suspension_note == "spam\r\nkit"


def test_migration_removes_control_characters_saved_before(fresh_database):
    from hostico.migrations.versions import __path__ as versions_path  # noqa: F401

    migration = importlib.import_module("hostico.migrations.versions.2026_12_05_clean_text_1")
    url = fresh_database()
    upgrade(url, migration.down_revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, password_hash, name, sms_opt_in, language, session_epoch,"
                          " totp_enabled, created_at) VALUES (1, 'a@example.com', 'x', :name, false, 'ro', 0, false,"
                          " CURRENT_TIMESTAMP)"), {"name": "Ana\x01 Pop"})
        conn.execute(text("INSERT INTO billing_profiles (id, customer_id, kind, name, address, city, county, country,"
                          " is_default, approval, used_for_invoicing, created_at) VALUES (1, 1, 'person',"
                          " :name, :address, 'Brașov', 'RO-BV', 'RO', true, 'approved', false, CURRENT_TIMESTAMP)"),
                     {"name": "Evil\x01Name", "address": "Str.\x1b Lungă 5"})
        conn.execute(text(
            "INSERT INTO invoices (id, customer_id, kind, series, number, code, status, origin, issue_date,"
            " currency, buyer, seller, reverse_charge, subtotal, vat_total, total, version, created_at)"
            " VALUES (1, 1, 'tax', 'HST', 1, 'HST-1', 'issued', 'order', '2026-11-01', 'RON',"
            " :buyer, '{}', false, 0, 0, 0, 1, CURRENT_TIMESTAMP)"),
            {"buyer": '{"kind": "person", "name": "Evil\\u0001Name", "city": "Bra\\u0219ov"}'})
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM customers")).scalar_one() == "Ana Pop"
        assert conn.execute(text("SELECT name, address FROM billing_profiles")).one() == ("EvilName", "Str. Lungă 5")
        buyer = conn.execute(text("SELECT buyer FROM invoices")).scalar_one()
    engine.dispose()
    import json

    buyer = buyer if isinstance(buyer, dict) else json.loads(buyer)
    assert buyer == {"kind": "person", "name": "EvilName", "city": "Brașov"}

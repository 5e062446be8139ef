"""The domain's refusals reach people in their language: typed errors carry an N_-marked English template and
parameters (never a pre-formatted sentence), and the web layer translates both, status words included."""

import ast
import pathlib

import pytest
from sqlalchemy import select

from hostico.billing.errors import InvalidTransition, PaymentRefused
from hostico.errors import N_, state_param
from hostico.models import Invoice
from hostico.web import i18n

ROOT = pathlib.Path(__file__).resolve().parents[1] / "hostico"
ERRORS = {"BillingError", "InvoiceNotEditable", "InvalidTransition", "PaymentRefused", "CorrectionRefused",
          "NoExchangeRate", "OrderRefused"}


def _raises_with_text():
    for path in sorted((ROOT / "billing").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", None) in ERRORS and node.exc.args):
                yield f"{path.name}:{node.lineno}", node.exc.args[0]


def test_every_billing_refusal_is_a_marked_template_not_a_formatted_sentence():
    found = list(_raises_with_text())
    assert len(found) > 40  # the scan sees the domain's refusals
    bad = []
    for where, arg in found:
        marked = isinstance(arg, ast.Call) and getattr(arg.func, "id", None) == "N_" and isinstance(
            arg.args[0], ast.Constant)
        known = isinstance(arg, ast.Subscript) or (isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "get")
        if not (marked or known):
            bad.append(where)
    assert bad == []


def test_the_english_text_and_the_translation_share_one_template(app):
    err = InvalidTransition(N_("Service %(domain)s is already %(status)s."), code="already_ended",
                            domain="shop.ro", status=state_param("terminated"))
    assert str(err) == "Service shop.ro is already terminated."
    with app.test_request_context("/?lang=ro"):
        assert i18n.error_message(err) == "Serviciul shop.ro are deja starea „închis definitiv”."
    with app.test_request_context("/?lang=en"):
        assert i18n.error_message(err) == "Service shop.ro is already terminated."
    refused = PaymentRefused(N_("Only proformas can be paid."), code="not_a_proforma")
    with app.test_request_context("/?lang=ro"):
        assert i18n.error_message(refused) == "Se pot plăti doar proforme."


def test_a_staff_refusal_is_shown_in_romanian(client, make, login_staff, session, settings):
    from hostico.billing.payments import record_payment

    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    session.commit()
    record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                   today=proforma.issue_date)
    session.commit()
    tax = session.scalars(select(Invoice).where(Invoice.kind == "tax")).one()
    from hostico.accounts.second_factor import new_secret

    login_staff(client, make.make_staff(role="billing", totp_secret=new_secret(), totp_enabled=True))
    client.get("/staff/?lang=ro")
    for _ in range(2):
        resp = client.post_form(f"/staff/invoices/{tax.code}/credit-note", {"credit-reason": "nelivrat"},
                                token_from="/staff/")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"{tax.code} este deja stornată integral." in page
    assert "already fully credited" not in page
    assert len(session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()) == 1


@pytest.mark.parametrize("lang, text", [("ro", "Acest domeniu este deja găzduit la noi."),
                                        ("en", "This domain is already hosted with us.")])
def test_an_order_refusal_is_shown_at_the_field_in_the_visitors_language(client, make, login_as, lang, text):
    customer = make.make_customer()
    product = make.make_product()
    make.make_service(customer, domain="luat.ro", product=product)
    login_as(client, customer)
    client.get(f"/order?lang={lang}")
    resp = client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "luat.ro"})
    assert text in resp.get_data(as_text=True)

"""A tax invoice staff issue on another payer's data needs that payer's full address too (docs/fiscal.md)."""

from sqlalchemy import func, select

from hostico.models import Invoice, Payment

PAYER = {"reference": "OP 9", "key": "k9", "payer": "other", "payer_name": "Plătitor SRL", "payer_cui": "34567892",
         "payer_address": "Str. X 1", "payer_city": "Iași", "payer_country": "RO"}


def _unpaid(make):
    customer = make.make_customer()
    return make.make_proforma(customer, amount="40.00")


def test_a_romanian_payer_without_a_county_is_refused_at_the_field(client, make, make_staff, login_staff, session):
    unpaid = _unpaid(make)
    login_staff(client, make_staff())
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/payment", {"amount": str(unpaid.total), **PAYER},
                            token_from="/staff/")
    assert resp.status_code == 422
    assert 'id="payer_county-error">Choose the payer\'s county.' in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "tax")) == 0


def test_a_payer_in_bucharest_gets_the_sector_as_the_city(client, make, make_staff, login_staff, session):
    unpaid = _unpaid(make)
    login_staff(client, make_staff())
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/payment", {
        "amount": str(unpaid.total), **PAYER, "payer_city": "Sector 3", "payer_county": "RO-B"},
        token_from="/staff/")
    assert resp.status_code == 303
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == unpaid.id))
    assert (tax.buyer["county"], tax.buyer["city"], tax.buyer["address"]) == ("RO-B", "SECTOR3", "Str. X 1")


def test_staff_cannot_issue_a_proforma_for_a_customer_without_billing_data(client, make, make_staff, login_staff,
                                                                           session):
    customer = make.make_customer(billing=False)
    make.make_profile(customer, is_default=True, address="", city="")  # saved before addresses were required
    service = make.make_service(customer, domain="fara-adresa.ro")
    login_staff(client, make_staff())
    page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "The customer&#39;s default billing profile" in page or "The customer's default billing profile" in page
    resp = client.post_form(f"/staff/customers/{customer.id}/proformas", {"services": service.id, "profile": 0},
                            token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    flashed = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "cannot be issued without the buyer&#39;s full billing data" in flashed.replace("'", "&#39;")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0

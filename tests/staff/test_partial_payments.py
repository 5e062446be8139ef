"""A bank transfer of part of a proforma's total, recorded by staff (docs/payments.md, Advances)."""

from decimal import Decimal

from sqlalchemy import select

from hostico.models import Invoice, Payment


def test_staff_record_a_transfer_of_part_of_the_total_and_later_the_rest(client, make, make_staff, login_staff,
                                                                        session):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="490.00")
    assert proforma.total == Decimal("592.90")
    session.commit()
    login_staff(client, make_staff("billing"))
    url = f"/staff/invoices/{proforma.code}/payment"
    resp = client.post_form(url, {"amount": "300.00", "reference": "OP 1", "key": "part-1"}, token_from="/staff/")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    advance = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    assert f"advance tax invoice {advance.code} issued. 292.90 RON is left to pay." in page
    assert "partly paid" in page and 'class="amount-due">292.90 RON' in page
    assert 'name="amount" type="text" value="292.90"' in page or 'value="292.90"' in page  # the form offers the rest
    assert "Cancel proforma" not in page
    customer_page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "292.90 RON left to pay" in customer_page and "partly paid" in customer_page

    resp = client.post_form(url, {"amount": "292.90", "reference": "OP 2", "key": "part-2"}, token_from="/staff/")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Invoice, proforma.id).status == "paid"
    assert [p.amount for p in session.scalars(select(Payment).where(Payment.invoice_id == proforma.id)
                                               .order_by(Payment.id))] == [Decimal("300.00"), Decimal("292.90")]

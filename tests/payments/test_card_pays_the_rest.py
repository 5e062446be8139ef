"""A card payment of a partly paid proforma charges what is left to pay (docs/payments.md, Advances)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from hostico.billing.payments import record_payment
from hostico.models import Checkout, Invoice, Payment


def test_card_checkout_of_a_partly_paid_proforma_charges_the_rest_and_pays_it(client, session, make, login_as,
                                                                              sandbox, pay_with_card, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="490.00")
    record_payment(session, proforma.id, amount=Decimal("300.00"), method="bank_transfer", settings=settings,
                   today=dt.date.today())
    session.commit()
    login_as(client, customer)
    pay_with_card([proforma.code])
    checkout = session.scalars(select(Checkout)).one()
    assert checkout.amount == Decimal("292.90") and [i.amount for i in checkout.items] == [Decimal("292.90")]
    assert sandbox.deliver(client).status_code == 200
    session.expire_all()
    assert session.get(Invoice, proforma.id).status == "paid"
    card = session.scalars(select(Payment).where(Payment.method == "card")).one()
    assert card.amount == Decimal("292.90")
    final = session.get(Invoice, card.tax_invoice_id)
    assert final.total == Decimal("292.90") and any(line.quantity < 0 for line in final.lines)

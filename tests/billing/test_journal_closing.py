"""A closed month's sales journal never changes (docs/reports.md, "A closed month never changes"): a month closes on
the 15th of the next; a document issued after its event's month closed (a reissue dated by the original collection
date, a payment recorded late) is in the journal of the month it is issued."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice, reissue_tax_invoice
from hostico.billing.payments import record_payment
from hostico.billing.reports import sales_journal
from hostico.billing.reports.files import journal_csv
from hostico.models import Invoice

MAY, JUNE, JULY = dt.date(2026, 5, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1)


def _paid(session, settings, make, *, received: dt.date, recorded: dt.date) -> Invoice:
    proforma = make.make_proforma(make.make_customer(), amount="100.00", today=dt.date(2026, 5, 20))
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=recorded, received_on=received)
    session.commit()
    return session.get(Invoice, payment.tax_invoice_id)


def _numbers(session, month: dt.date) -> list[str]:
    return [row.number for row in sales_journal(session, month)]


def test_a_payment_recorded_by_the_15th_is_in_its_collection_month_a_later_one_in_its_issue_month(session, settings,
                                                                                               make):
    on_time = _paid(session, settings, make, received=dt.date(2026, 5, 29), recorded=dt.date(2026, 6, 15))
    late = _paid(session, settings, make, received=dt.date(2026, 5, 30), recorded=dt.date(2026, 6, 16))
    older = _paid(session, settings, make, received=dt.date(2026, 5, 31), recorded=dt.date(2026, 7, 2))
    assert _numbers(session, MAY) == [on_time.code]
    assert _numbers(session, JUNE) == [late.code]
    assert _numbers(session, JULY) == [older.code]


def test_a_reissue_after_the_month_closed_leaves_its_journal_byte_identical(session, settings, make):
    tax = _paid(session, settings, make, received=dt.date(2026, 5, 29), recorded=dt.date(2026, 6, 1))
    before = b"".join(journal_csv(sales_journal(session, MAY)))
    credit_tax_invoice(session, tax, settings=settings, today=dt.date(2026, 7, 3), reason="wrong buyer", staff_id=1)
    again = reissue_tax_invoice(session, tax, settings=settings, today=dt.date(2026, 7, 3), staff_id=1)
    session.commit()
    assert again.collected_on == dt.date(2026, 5, 29)  # the reissue keeps the original collection date
    assert b"".join(journal_csv(sales_journal(session, MAY))) == before
    rows = {row.number: row for row in sales_journal(session, JULY)}
    note = next(number for number in rows if number != again.code)
    assert session.scalar(select(Invoice.kind).where(Invoice.code == note)) == "credit_note"
    assert set(rows) == {again.code, note}
    assert rows[again.code].event_date == dt.date(2026, 5, 29)  # listed with its chargeable event
    assert rows[again.code].total + rows[note].total == Decimal("0.00")  # the storno and the reissue cancel out

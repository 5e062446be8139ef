"""The billing run's bulk notifications write exactly the rows `notify` writes."""

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hostico.billing.notices import Notice, queue_notifications
from hostico.models import OutboxMessage
from hostico.notify.events import notify
from hostico.notify.schedule import next_sms_time

COLUMNS = ("channel", "event", "dedupe_key", "customer_id", "invoice_id", "service_id", "recipient", "template",
           "context", "status", "attempts")


def _rows(session):
    session.expire_all()
    return sorted(tuple(getattr(m, c) for c in COLUMNS) + (m.next_attempt_at.date(),)
                  for m in session.scalars(select(OutboxMessage)))


def _subjects(make):
    opted = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    quiet = make.make_customer()
    return [(c, make.make_service(c), make.make_proforma(c)) for c in (opted, quiet)]


def test_bulk_notifications_match_notify_for_every_billing_event(session, make, settings):
    subjects = _subjects(make)
    cases = [("proforma_system", lambda c, s, i: {"invoice": i, "context": {"total": str(i.total)}}),
             ("reminder", lambda c, s, i: {"invoice": i, "key": f"{i.id}:3", "context": {"days_left": 3}}),
             ("suspension", lambda c, s, i: {"service": s, "key": f"{s.id}:x", "context": {"reason": "nonpayment"}})]
    for event, kwargs in cases:
        for c, s, i in subjects:
            notify(session, event, c, sms_hours=settings.sms_hours, timezone=settings.timezone, **kwargs(c, s, i))
    session.flush()
    by_notify = _rows(session)
    session.rollback()

    for event, kwargs in cases:
        assert queue_notifications(session, event, [Notice(c, **kwargs(c, s, i)) for c, s, i in subjects],
                                   settings) == 2
    session.flush()
    assert _rows(session) == by_notify
    assert sum(1 for row in by_notify if row[0] == "sms") == 2  # opted-in: system proforma + suspension


def test_bulk_notifications_skip_what_is_already_queued(session, make, settings):
    (c, _s, invoice), _ = _subjects(make)
    notify(session, "proforma_system", c, invoice=invoice)
    assert queue_notifications(session, "proforma_system", [Notice(c, invoice=invoice)], settings) == 0
    assert len(_rows(session)) == 2


def test_sms_waits_for_the_window(session, make, settings):
    from dataclasses import replace

    (c, _s, invoice), _ = _subjects(make)
    night = replace(settings, sms_hours="09:00-09:01")
    queue_notifications(session, "proforma_system", [Notice(c, invoice=invoice)], night)
    sms = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
    email = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).one()
    expected = next_sms_time(email.next_attempt_at, night.sms_hours, night.timezone)
    assert sms.next_attempt_at == expected
    assert expected.astimezone(ZoneInfo(night.timezone)).time() < dt.time(9, 1)


def test_a_notice_already_queued_or_twice_in_one_batch_is_queued_once(session, make, settings):
    (opted, _, invoice), (quiet, _, other) = _subjects(make)
    first = Notice(opted, invoice=invoice, service=None, key=None, context={"total": str(invoice.total)})
    assert queue_notifications(session, "proforma_system", [first, first], settings) == 1  # email + SMS, once
    again = Notice(quiet, invoice=other, service=None, key=None, context={"total": str(other.total)})
    assert queue_notifications(session, "proforma_system", [first, again], settings) == 1  # only the new one
    session.commit()
    keys = session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert len(keys) == len(set(keys)) == 3


def test_uncounted_notices_are_deduplicated_the_same_way(session, make, settings):
    (opted, _, invoice), _ = _subjects(make)
    notice = Notice(opted, invoice=invoice, service=None, key=None, context={"total": str(invoice.total)})
    for _ in range(2):
        assert queue_notifications(session, "proforma_system", [notice, notice], settings, count=False) is None
    session.commit()
    assert len(session.scalars(select(OutboxMessage.dedupe_key)).all()) == 2  # email and SMS, once each

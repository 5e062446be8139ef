"""The outbox worker: retries with backoff, dead after the last attempt, crash recovery, parallel workers."""

import datetime as dt
import threading

import pytest
from sqlalchemy.orm import Session

from hostico.billing.hosting_services import suspend_service
from hostico.models import OutboxMessage
from hostico.notify import outbox as outbox_ops
from hostico.notify.settings import NotifySettings
from hostico.web.database import db
from tests.conftest import reconfigure

SID = "AC" + "1" * 32
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)  # 12:00 in Bucharest, inside the SMS window


@pytest.fixture
def twilio_app(app, fake_provider):
    reconfigure(app, SMS_BACKEND="twilio", SMS_API_URL=fake_provider.url, SMS_ACCOUNT_SID=SID,
                      SMS_API_KEY="token", SMS_TIMEOUT=1, OUTBOX_MAX_ATTEMPTS=3, SMS_HOURS="09:00-19:00")
    return app


def _queue_sms(session, make, customer):
    service = make.make_service(customer)
    suspend_service(session, service, reason="abuse", sms_hours="00:00-24:00")
    session.commit()
    for msg in session.query(OutboxMessage):
        msg.next_attempt_at = NOW
    session.commit()
    return session.query(OutboxMessage).filter_by(channel="sms").one()


def test_permanent_provider_error_is_dead_at_once(session, make, opted_in, twilio_app, fake_provider, deliver, outbox):
    _queue_sms(session, make, opted_in)
    fake_provider.default = (400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}, {})
    deliver(now=NOW)
    sms = outbox("sms")[0]
    assert (sms.status, sms.attempts) == ("dead", 1)
    assert "21211" in sms.last_error
    assert deliver(now=NOW + dt.timedelta(days=1)) == 0
    assert len(fake_provider.requests) == 1


@pytest.mark.parametrize("failure", ["5xx", "429", "timeout"])
def test_temporary_errors_are_retried_with_backoff_then_dead(session, make, opted_in, twilio_app, fake_provider,
                                                             deliver, outbox, failure):
    _queue_sms(session, make, opted_in)
    if failure == "timeout":
        reconfigure(twilio_app, SMS_TIMEOUT=0.2)
        fake_provider.delay = 0.4
    else:
        fake_provider.default = (503, {}, {}) if failure == "5xx" else (429, {"code": 20429}, {})
    now, delays = NOW, []
    for attempt in (1, 2):
        deliver(now=now)
        sms = outbox("sms")[0]
        assert (sms.status, sms.attempts) == ("pending", attempt)
        delays.append((sms.next_attempt_at - now).total_seconds())
        assert deliver(now=now) == 0  # not due before its backoff
        now = sms.next_attempt_at
    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120  # base 60 s, doubling, jittered
    deliver(now=now)
    sms = outbox("sms")[0]
    assert (sms.status, sms.attempts) == ("dead", 3)
    assert "gave up after 3 attempts" in sms.last_error
    assert len(fake_provider.requests) == 3


def test_a_retry_recovers_and_sends_once(session, make, opted_in, twilio_app, fake_provider, deliver, outbox):
    _queue_sms(session, make, opted_in)
    fake_provider.script = [(500, {}, {})]
    fake_provider.default = (201, {"sid": "SMok"}, {})
    deliver(now=NOW)
    deliver(now=NOW + dt.timedelta(hours=1))
    sms = outbox("sms")[0]
    assert (sms.status, sms.provider_message_id, sms.attempts) == ("sent", "SMok", 2)
    assert [r["form"]["Body"] for r in fake_provider.requests][0] == sms.body_text
    assert len({r["form"]["Body"] for r in fake_provider.requests}) == 1


def test_an_sms_retry_never_lands_outside_the_window(session, make, opted_in, twilio_app, fake_provider, deliver,
                                                     outbox):
    _queue_sms(session, make, opted_in)
    fake_provider.default = (503, {}, {})
    late = dt.datetime(2026, 11, 25, 16, 59, 30, tzinfo=dt.UTC)  # 18:59:30 in Bucharest
    deliver(now=late)
    sms = outbox("sms")[0]
    assert sms.status == "pending"
    assert sms.next_attempt_at == dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)  # 09:00 next morning


def test_crashed_workers_messages_are_picked_up_after_the_timeout(session, make, opted_in, deliver, sms_file, outbox):
    _queue_sms(session, make, opted_in)
    # A worker claims the message, then dies before delivering it.
    with Session(bind=session.get_bind()) as s:
        assert outbox_ops.claim_due(s, now=NOW, worker_id="dead-worker", limit=10, claim_timeout=300)
        s.commit()
    assert deliver(now=NOW + dt.timedelta(seconds=60), worker_id="w2") == 0  # still within the claim timeout
    assert outbox("sms")[0].status == "sending"
    assert deliver(now=NOW + dt.timedelta(seconds=301), worker_id="w2") == 2  # its email and SMS
    assert {m.status for m in outbox()} == {"sent"}
    sms = outbox("sms")[0]
    assert (sms.status, sms.claimed_by, sms.attempts) == ("sent", "w2", 2)
    assert len(sms_file()) == 1


def test_a_late_report_from_a_worker_whose_claim_was_taken_over_changes_nothing(session, make, opted_in, outbox):
    msg = _queue_sms(session, make, opted_in)
    with Session(bind=session.get_bind()) as s:
        outbox_ops.claim_due(s, now=NOW, worker_id="slow", limit=10, claim_timeout=300)
        outbox_ops.claim_due(s, now=NOW + dt.timedelta(seconds=400), worker_id="fast", limit=10, claim_timeout=300)
        assert outbox_ops.mark_sent(s, [outbox_ops.Sent(msg.id, "p1", NOW)], "fast") == {msg.id}
        assert outbox_ops.mark_sent(s, [outbox_ops.Sent(msg.id, "p2", NOW)], "slow") == set()
        assert not outbox_ops.mark_dead(s, msg.id, "slow", error="late failure")
        s.commit()
    assert outbox("sms")[0].status == "sent"


def test_backoff_doubles_and_is_capped():
    settings = NotifySettings(retry_base_seconds=10, retry_max_seconds=100)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        values = {outbox_ops.backoff_seconds(attempt, settings) for _ in range(20)}
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len(values) > 1  # jitter


@pytest.mark.slow
def test_parallel_workers_never_send_a_message_twice(app, session, make, deliver, sms_file, outbox, monkeypatch):
    """PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the claiming UPDATE holds the write lock."""
    import time

    from hostico.notify.sms.providers.file import FileProvider

    reconfigure(app, OUTBOX_BATCH_SIZE=5)
    real_send = FileProvider.send

    def slow_send(self, *, to, sender, text):
        time.sleep(0.01)  # a provider takes time: no single worker can drain the queue before the others start
        return real_send(self, to=to, sender=sender, text=text)

    monkeypatch.setattr(FileProvider, "send", slow_send)
    customers = [make.make_customer(phone_e164=f"+4072200{i:04d}", sms_opt_in=True) for i in range(40)]
    for c in customers:
        for reason in ("abuse", "other", "nonpayment"):
            service = make.make_service(c)
            suspend_service(session, service, reason=reason, sms_hours="00:00-24:00")
    session.commit()
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def work(n):
        try:
            barrier.wait()
            counts.append(deliver(worker_id=f"w{n}"))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    rows = outbox()
    assert len(rows) == 240 and sum(counts) == 240
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    sent = sms_file()
    assert len(sent) == 120
    assert len({(s["to"], s["text"]) for s in sent}) == 120  # no duplicates
    assert len({r.claimed_by for r in rows}) > 1, counts  # the work really was shared


def test_an_unexpected_adapter_error_retries_that_message_and_the_batch_goes_on(
        session, make, opted_in, deliver, sms_file, outbox, monkeypatch):
    from hostico.notify.sms.providers.file import FileProvider

    other = make.make_customer(phone_e164="+40745000111", sms_opt_in=True)
    _queue_sms(session, make, opted_in)
    suspend_service(session, make.make_service(other), reason="other", sms_hours="00:00-24:00")
    session.commit()
    real_send = FileProvider.send

    def flaky(self, *, to, sender, text):
        if to == "+40722123456":
            raise KeyError("bug")
        return real_send(self, to=to, sender=sender, text=text)

    monkeypatch.setattr(FileProvider, "send", flaky)
    deliver()
    by_phone = {m.recipient: m for m in outbox("sms")}
    assert by_phone["+40722123456"].status == "pending"
    assert "unexpected: KeyError" in by_phone["+40722123456"].last_error
    assert by_phone["+40745000111"].status == "sent"
    assert [s["to"] for s in sms_file()] == ["+40745000111"]


def test_a_sender_id_longer_than_11_characters_is_not_sent(app, session, make, opted_in, deliver, sms_file, outbox):
    reconfigure(app, SMS_SENDER="HosticoBilling")
    _queue_sms(session, make, opted_in)
    deliver()
    sms = outbox("sms")[0]
    assert sms.status == "pending" and "HOSTICO_SMS_SENDER" in sms.last_error
    assert sms_file() == []


def test_a_claim_takes_at_most_its_limit_and_parallel_claims_are_disjoint(app, session, make, engine_name):
    """Regression: as `IN (subquery)` PostgreSQL re-ran the locking SELECT per row, so one claim took all."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from hostico.notify import outbox as outbox_module

    customer = make.make_customer()
    for _ in range(12):
        suspend_service(session, make.make_service(customer), reason="other", sms_hours="00:00-24:00")
    session.commit()
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    first, second = Session(bind=db.get(app).engine), Session(bind=db.get(app).engine)
    try:
        claimed_a = outbox_module.claim_due(first, now=now, worker_id="A", limit=5, claim_timeout=300)
        assert len(claimed_a) == 5
        if engine_name == "postgres":  # a second worker claims while the first transaction is still open
            claimed_b = outbox_module.claim_due(second, now=now, worker_id="B", limit=5, claim_timeout=300)
            assert len(claimed_b) == 5 and not set(claimed_a) & set(claimed_b)
    finally:
        second.rollback()
        first.rollback()
        second.close()
        first.close()


def test_a_worker_delivers_a_batch_over_its_lanes_at_once_and_each_message_once(
        app, session, make, deliver, sms_file, outbox, monkeypatch, engine_name):
    """HOSTICO_OUTBOX_THREADS: a delivery mostly waits on the network, so a worker keeps several in flight
    (PostgreSQL; SQLite has one writer and keeps one lane)."""
    import time

    from hostico.notify.sms.providers.file import FileProvider

    reconfigure(app, OUTBOX_THREADS=4, OUTBOX_BATCH_SIZE=20)
    real_send = FileProvider.send
    lock, in_flight, peak = threading.Lock(), [0], [0]

    def slow_send(self, *, to, sender, text):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        try:
            if to.endswith("0007"):
                raise KeyError("a bug in one delivery")
            return real_send(self, to=to, sender=sender, text=text)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(FileProvider, "send", slow_send)
    for i in range(24):
        customer = make.make_customer(phone_e164=f"+4072211{i:04d}", sms_opt_in=True)
        suspend_service(session, make.make_service(customer), reason="abuse", sms_hours="00:00-24:00")
    session.commit()
    assert deliver() == 48  # 24 emails and 24 SMS
    sms = {m.recipient: m for m in outbox("sms")}
    assert sms["+40722110007"].status == "pending" and "unexpected: KeyError" in sms["+40722110007"].last_error
    assert {m.status for r, m in sms.items() if r != "+40722110007"} == {"sent"}
    sent = sms_file()
    assert len(sent) == 23 and len({s["to"] for s in sent}) == 23  # each once
    assert {m.attempts for m in outbox()} == {1}
    if engine_name == "sqlite":
        assert peak[0] == 1
    else:
        assert peak[0] >= 2, peak  # several SMS in flight at once (emails, not slowed, share the lanes)


def _queue_many_sms(session, make, count: int) -> None:
    """`count` suspension SMS due now (their emails cancelled, so a lane carries only the SMS, in id order)."""
    from sqlalchemy import update

    for i in range(count):
        customer = make.make_customer(phone_e164=f"+4072233{i:04d}", sms_opt_in=True)
        suspend_service(session, make.make_service(customer), reason="abuse", sms_hours="00:00-24:00")
    session.commit()
    session.execute(update(OutboxMessage).where(OutboxMessage.channel == "email").values(status="cancelled"))
    session.execute(update(OutboxMessage).values(next_attempt_at=NOW))
    session.commit()


def _count_sent_at_each_request(app, fake_provider) -> list[int]:
    """Before the fake provider answers each request, count the messages already recorded as sent."""
    from sqlalchemy import func, select

    seen: list[int] = []

    def count(_requests: int) -> None:
        with db.get(app).engine.connect() as conn:
            seen.append(conn.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == "sent")))
    fake_provider.on_request = count
    return seen


def test_by_default_a_lane_records_each_accepted_message_before_the_next_delivery(
        app, twilio_app, session, make, deliver, outbox, fake_provider, monkeypatch):
    """HOSTICO_OUTBOX_RECORD_GROUP defaults to 1: a crash resends nothing but the message in flight, and a delivery
    receipt always finds its message."""
    from hostico.notify import worker

    monkeypatch.setattr(worker, "RECORD_WAIT", 3600.0)
    reconfigure(app, OUTBOX_THREADS=1)
    _queue_many_sms(session, make, 6)
    seen = _count_sent_at_each_request(app, fake_provider)
    assert deliver(now=NOW) == 6
    assert seen == [0, 1, 2, 3, 4, 5]


def test_a_lane_records_the_messages_the_provider_accepted_in_groups(
        app, twilio_app, session, make, deliver, outbox, fake_provider, monkeypatch):
    """HOSTICO_OUTBOX_RECORD_GROUP=8: one UPDATE for 8 accepted messages, not one each; a crash resends at most a
    group per lane."""
    from hostico.notify import worker

    monkeypatch.setattr(worker, "RECORD_WAIT", 3600.0)
    group = 8
    reconfigure(app, OUTBOX_THREADS=1, OUTBOX_RECORD_GROUP=group)
    _queue_many_sms(session, make, 20)
    fake_provider.script = [(201, {"sid": f"SM{n:02d}"}, {}) for n in range(20)]
    seen = _count_sent_at_each_request(app, fake_provider)
    assert deliver(now=NOW) == 20
    assert seen == [(k // group) * group for k in range(20)]  # before the k-th request (from 0), k were accepted
    sid_of_body = {req["form"]["Body"]: f"SM{n:02d}" for n, req in enumerate(fake_provider.requests)}
    sms = outbox("sms")
    assert {m.status for m in sms} == {"sent"} and len(sms) == 20
    assert all(m.provider_message_id == sid_of_body[m.body_text] for m in sms)  # each row its own provider id
    assert all(m.delivery_status == "sent" and m.delivery_provider == "twilio" for m in sms)


def test_an_accepted_message_waits_at_most_record_wait_to_be_recorded(
        app, twilio_app, session, make, deliver, outbox, fake_provider, monkeypatch):
    """A slow provider does not hold accepted messages unrecorded (nor their delivery receipts unmatched): one that
    waited RECORD_WAIT is recorded before the next delivery starts."""
    from hostico.notify import worker

    monkeypatch.setattr(worker, "RECORD_WAIT", 0.0)
    reconfigure(app, OUTBOX_THREADS=1, OUTBOX_RECORD_GROUP=8)
    _queue_many_sms(session, make, 5)
    seen = _count_sent_at_each_request(app, fake_provider)
    assert deliver(now=NOW) == 5
    assert seen == [0, 1, 2, 3, 4]
    assert {m.status for m in outbox("sms")} == {"sent"}


def test_failures_inside_a_group_leave_the_accepted_messages_of_the_group_recorded(
        app, twilio_app, session, make, deliver, outbox, fake_provider, monkeypatch):
    from hostico.notify import worker

    monkeypatch.setattr(worker, "RECORD_WAIT", 3600.0)
    reconfigure(app, OUTBOX_THREADS=1, OUTBOX_RECORD_GROUP=8)
    _queue_many_sms(session, make, 4)
    fake_provider.script = [(201, {"sid": "SMa"}, {}), (503, {}, {}), (400, {"code": 21211}, {}),
                            (201, {"sid": "SMd"}, {})]
    assert deliver(now=NOW) == 5  # and the email telling the customer their suspension SMS failed
    assert [(m.status, m.provider_message_id) for m in outbox("sms")] == [
        ("sent", "SMa"), ("pending", None), ("dead", None), ("sent", "SMd")]


def test_a_message_whose_claim_was_taken_over_while_it_waited_in_a_group_is_left_to_its_new_worker(
        app, twilio_app, session, make, deliver, outbox, fake_provider, monkeypatch, caplog):
    from sqlalchemy import update

    from hostico.notify import worker

    monkeypatch.setattr(worker, "RECORD_WAIT", 3600.0)
    reconfigure(app, OUTBOX_THREADS=1, OUTBOX_RECORD_GROUP=8)
    _queue_many_sms(session, make, 3)
    first = outbox("sms")[0]

    def take_over(requests: int) -> None:
        if requests == 3:  # the first SMS was accepted and waits in the lane's group
            with db.get(app).engine.begin() as conn:
                conn.execute(update(OutboxMessage).where(OutboxMessage.id == first.id).values(claimed_by="other"))
    fake_provider.on_request = take_over
    with caplog.at_level("WARNING", logger="hostico.worker"):
        assert deliver(now=NOW) == 3
    rows = outbox("sms")
    assert (rows[0].status, rows[0].claimed_by, rows[0].provider_message_id) == ("sending", "other", None)
    assert [m.status for m in rows[1:]] == ["sent", "sent"]
    assert f"outbox {first.id} was sent but its claim had been taken over" in caplog.text

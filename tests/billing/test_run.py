"""The daily billing run: renewals, reminders, suspensions; idempotent and resumable."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from hostico.billing import run as run_module
from hostico.billing.errors import BillingRunBusy
from hostico.billing.run import reminder_threshold, run_billing
from hostico.models import BillingRun, Invoice, OutboxMessage, Service

TODAY = dt.date(2026, 5, 1)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _state(session):
    """Everything a run can change, to compare before and after."""
    session.expire_all()
    invoices = session.execute(select(Invoice.id, Invoice.code, Invoice.status).order_by(Invoice.id)).all()
    outbox = session.execute(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)).all()
    services = session.execute(select(Service.id, Service.status, Service.suspension_reason,
                                      Service.next_due_date).order_by(Service.id)).all()
    return invoices, outbox, services


def test_renewal_proforma_is_issued_within_the_window_only(session, make, settings):
    c = make.make_customer()
    due_soon = make.make_service(c, next_due_date=TODAY + dt.timedelta(days=14), price="20.00")
    make.make_service(c, next_due_date=TODAY + dt.timedelta(days=15))
    make.make_service(c, next_due_date=TODAY, status="terminated")
    summary = run_billing(session, settings, TODAY)
    assert summary["proformas_issued"] == 1 and summary["services_scanned"] == 1
    proforma = session.scalars(select(Invoice)).one()
    assert proforma.origin == "system"
    assert proforma.renewal_key == f"renewal:{due_soon.id}:{due_soon.next_due_date.isoformat()}"
    assert proforma.due_date == due_soon.next_due_date
    assert proforma.lines[0].period_start == due_soon.next_due_date
    assert str(proforma.total) == "24.20"


def test_renewal_days_are_configurable(session, make, settings):
    from dataclasses import replace

    c = make.make_customer()
    make.make_service(c, next_due_date=TODAY + dt.timedelta(days=20))
    assert run_billing(session, settings, TODAY)["proformas_issued"] == 0
    assert run_billing(session, replace(settings, renewal_days_before=30), TODAY)["proformas_issued"] == 1


def test_system_proforma_sends_email_and_sms_to_opted_in_customer(session, make, settings):
    opted = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    quiet = make.make_customer(phone_e164="+40722999888", sms_opt_in=False)
    for c in (opted, quiet):
        make.make_service(c, next_due_date=TODAY + dt.timedelta(days=3))
    run_billing(session, settings, TODAY)
    rows = session.execute(select(OutboxMessage.customer_id, OutboxMessage.channel)
                           .where(OutboxMessage.event == "proforma_system")).all()
    assert sorted(rows) == sorted([(opted.id, "email"), (opted.id, "sms"), (quiet.id, "email")])
    sms = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
    assert sms.recipient == "+40722123456"


def test_renewal_bills_the_default_billing_profile(session, make, settings):
    c = make.make_customer(billing=False)
    make.make_profile(c, kind="company", is_default=True)
    make.make_service(c, next_due_date=TODAY)
    run_billing(session, settings, TODAY)
    assert session.scalars(select(Invoice)).one().buyer["company_name"] == "Exemplu SRL"


def test_renewals_take_each_buyer_snapshot_once(session, make, settings, monkeypatch):
    from hostico.models import BillingProfile

    c = make.make_customer(billing=False)
    make.make_profile(c, kind="company", is_default=True)
    make.make_profile(c, name="Ion Pop")  # a second profile, checked but not chosen
    for days in (0, 1, 2):
        make.make_service(c, next_due_date=TODAY + dt.timedelta(days=days))
    taken = []
    snapshot = BillingProfile.snapshot
    monkeypatch.setattr(BillingProfile, "snapshot", lambda self: taken.append(self.id) or snapshot(self))
    assert run_billing(session, settings, TODAY)["proformas_issued"] == 3
    assert len(taken) == len(set(taken)) == 2  # once a profile to check it; the chosen one's goes on the proformas
    assert {i.buyer["company_name"] for i in session.scalars(select(Invoice))} == {"Exemplu SRL"}


def test_second_run_the_same_day_changes_nothing(session, make, settings):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    for days in (0, 2, 10):
        make.make_service(c, next_due_date=TODAY + dt.timedelta(days=days))
    overdue = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=20))
    make.make_proforma(c, service=overdue, today=TODAY - dt.timedelta(days=40))
    first = run_billing(session, settings, TODAY)
    assert first["proformas_issued"] == 4 and first["suspensions"] == 1
    before = _state(session)
    second = run_billing(session, settings, TODAY)
    assert (second["proformas_issued"], second["reminders"], second["suspensions"]) == (0, 0, 0)
    assert _state(session) == before
    runs = session.scalars(select(BillingRun).order_by(BillingRun.id)).all()
    assert [r.status for r in runs] == ["finished", "finished"]
    assert runs[0].summary["proformas_issued"] == 4


def test_run_killed_halfway_resumes_without_duplicate_or_missed_proforma(session, make, settings, monkeypatch):
    c = make.make_customer()
    services = [make.make_service(c, next_due_date=TODAY + dt.timedelta(days=i)) for i in range(7)]
    real_queue = run_module.queue_notifications
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(run_module, "queue_notifications", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        run_billing(session, settings, TODAY, batch_size=3)
    # the first batch of three survived; the second was rolled back whole
    assert _count(session, Invoice) == 3
    assert session.scalars(select(BillingRun)).one().status == "failed"

    monkeypatch.setattr(run_module, "queue_notifications", real_queue)
    summary = run_billing(session, settings, TODAY, batch_size=3)
    assert summary["proformas_issued"] == 4
    keys = session.scalars(select(Invoice.renewal_key)).all()
    assert sorted(keys) == sorted(f"renewal:{s.id}:{s.next_due_date.isoformat()}" for s in services)
    numbers = sorted(session.scalars(select(Invoice.number)).all())
    assert numbers == list(range(1, 8))  # the rolled-back batch gave its numbers back: no gap
    assert _count(session, OutboxMessage, OutboxMessage.event == "proforma_system") == 7


@pytest.mark.parametrize("days_left, expected", [(5, None), (4, None), (3, 3), (1, 3), (0, 0), (-2, 0)])
def test_reminder_threshold(days_left, expected):
    assert reminder_threshold(days_left, (3, 0)) == expected


def test_reminders_go_once_per_threshold_by_email(session, make, settings):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    proforma = make.make_proforma(c, today=TODAY - dt.timedelta(days=11))  # due in 14 days from issue: in 3 days
    assert run_billing(session, settings, TODAY)["reminders"] == 1
    assert run_billing(session, settings, TODAY + dt.timedelta(days=1))["reminders"] == 0
    assert run_billing(session, settings, TODAY + dt.timedelta(days=3))["reminders"] == 1
    rows = session.execute(select(OutboxMessage.channel, OutboxMessage.dedupe_key)
                           .where(OutboxMessage.event == "reminder").order_by(OutboxMessage.id)).all()
    assert rows == [("email", f"reminder:{proforma.id}:3:email"), ("email", f"reminder:{proforma.id}:0:email")]


def test_paid_proforma_gets_no_reminder(session, make, settings):
    from hostico.billing.payments import record_payment

    c = make.make_customer()
    proforma = make.make_proforma(c, today=TODAY - dt.timedelta(days=11))
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings, today=TODAY)
    session.commit()
    assert run_billing(session, settings, TODAY)["reminders"] == 0


def test_overdue_past_grace_is_suspended_for_nonpayment_with_sms(session, make, settings):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    late = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=8))
    within_grace = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=6))
    for s in (late, within_grace):
        run_billing(session, settings, s.next_due_date - dt.timedelta(days=14))  # the renewal, on time
    summary = run_billing(session, settings, TODAY)
    assert summary["suspensions"] == 1
    session.expire_all()
    assert (late.status, late.suspension_reason) == ("suspended", "nonpayment")
    assert within_grace.status == "active"
    channels = session.scalars(select(OutboxMessage.channel).where(OutboxMessage.event == "suspension",
                                                                   OutboxMessage.service_id == late.id)).all()
    assert sorted(channels) == ["email", "sms"]


def test_stale_proforma_of_a_paid_period_does_not_suspend(session, make, settings):
    c = make.make_customer()
    service = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=20))
    run_billing(session, settings, TODAY - dt.timedelta(days=34))
    session.expire_all()
    service.next_due_date = TODAY + dt.timedelta(days=20)  # paid by bank transfer on another document
    session.commit()
    assert run_billing(session, settings, TODAY)["suspensions"] == 0


def test_paying_lifts_nonpayment_suspension_but_not_abuse(session, make, settings):
    from hostico.billing.hosting_services import suspend_service
    from hostico.billing.payments import record_payment

    c = make.make_customer()
    unpaid = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=10))
    abused = make.make_service(c, next_due_date=TODAY - dt.timedelta(days=10))
    run_billing(session, settings, TODAY - dt.timedelta(days=24))
    run_billing(session, settings, TODAY)
    session.expire_all()
    assert unpaid.suspension_reason == abused.suspension_reason == "nonpayment"
    suspend_service(session, abused, reason="abuse", note="phishing kit")
    session.commit()
    for proforma in session.scalars(select(Invoice).where(Invoice.kind == "proforma")).all():
        record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                       today=TODAY)
    session.commit()
    session.expire_all()
    assert unpaid.status == "active" and unpaid.next_due_date == dt.date(2026, 5, 21)  # 21 Apr + 1 month
    assert (abused.status, abused.suspension_reason) == ("suspended", "abuse")
    assert _count(session, OutboxMessage, OutboxMessage.event == "unsuspension") == 1


def test_cli_billing_run_prints_progress_and_summary(runner, make):
    c = make.make_customer()
    make.make_service(c, next_due_date=TODAY + dt.timedelta(days=1))
    result = runner.invoke(args=["billing", "run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "renewals: 1/1" in result.output
    assert "1 proformas issued, 0 reminders, 0 suspensions" in result.output
    again = runner.invoke(args=["billing", "run", "--today", TODAY.isoformat()])
    assert "0 proformas issued" in again.output


def test_cli_rejects_a_bad_date(runner):
    result = runner.invoke(args=["billing", "run", "--today", "2026-13-01"])
    assert result.exit_code != 0 and "Invalid value" in result.output


def test_two_runs_at_the_same_time_issue_each_renewal_once(app, session, make, settings, engine_name):
    import threading

    from hostico.web.database import db

    c = make.make_customer()
    for i in range(40):
        make.make_service(c, next_due_date=TODAY + dt.timedelta(days=i % 10))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_run():
        s = db.get(app).new_session()
        try:
            barrier.wait()
            results.append(run_billing(s, settings, TODAY, batch_size=7))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # On PostgreSQL the second run finds the run's advisory lock taken and says so (docs/operations.md, Many
    # hosts); on SQLite both run, their batches serialised. Either way each renewal is issued once.
    assert all(isinstance(exc, BillingRunBusy) for exc in errors), errors
    assert len(results) + len(errors) == 2 and (engine_name == "postgres" or not errors)
    assert sum(r["proformas_issued"] for r in results) == 40
    assert sorted(session.scalars(select(Invoice.number))) == list(range(1, 41))
    assert _count(session, OutboxMessage, OutboxMessage.event == "proforma_system") == 40


def test_queries_per_batch_do_not_grow_with_the_batch_or_the_database(session, make, settings):
    from sqlalchemy import event, update

    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    for i in range(60):  # never due in this test: the database is bigger, the work is not
        make.make_service(c, next_due_date=TODAY + dt.timedelta(days=4000 + i))

    def statements_for(due: int, day: dt.date) -> int:
        for i in range(due):
            make.make_service(c, next_due_date=day + dt.timedelta(days=i % 5))
        count = {"n": 0}

        def counter(*args):
            count["n"] += 1

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            summary = run_billing(session, settings, day, batch_size=1000)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert summary["proformas_issued"] == due
        # take them out of the next measurement
        session.execute(update(Service).where(Service.next_due_date < TODAY + dt.timedelta(days=4000))
                        .values(status="terminated"))
        session.commit()
        return count["n"]

    assert statements_for(5, TODAY) == statements_for(50, TODAY + dt.timedelta(days=400))

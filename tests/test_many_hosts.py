"""Many hosts, one PostgreSQL (docs/operations.md, Many hosts): worker processes and billing runs started at once
share the outbox and the jobs; a worker whose database connections are cut mid-batch reconnects and loses or
repeats nothing. Real processes (`flask --app wsgi worker`, `billing run`) against the test database."""

from __future__ import annotations

import datetime as dt
import mailbox
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, select, text

from hostico.billing.hosting_services import suspend_service
from hostico.db import advisory_lock
from hostico.models import BillingRun, Invoice, OutboxMessage, Service
from hostico.notify.events import notify
from hostico.notify.sms.providers.file import read_sms_file
from tests import factories
from tests.fakes.sms import FakeSmsProvider

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres(engine_name):
    if engine_name != "postgres":
        pytest.skip("several hosts share one PostgreSQL: advisory locks and SKIP LOCKED")


def _env(database_url: str, tmp_path, **extra: str) -> dict[str, str]:
    """A process's environment: the test database, no outside service, emails and SMS into files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTICO_")}
    env.update(HOSTICO_ENV="test", HOSTICO_DATABASE_URL=database_url, HOSTICO_SECRET_KEY="test-secret-key",
               HOSTICO_SMS_BACKEND="file", HOSTICO_SMS_FILE=str(tmp_path / "sms.jsonl"),
               HOSTICO_MAIL_BACKEND="outbox", HOSTICO_MAIL_FILE=str(tmp_path / "mail.mbox"),
               HOSTICO_SMS_HOURS="00:00-24:00", HOSTICO_BNR_RATES_URL="", HOSTICO_VIES_URL="",
               HOSTICO_EFACTURA="off", HOSTICO_ANAF_PUBLIC_URL="http://127.0.0.1:9", HOSTICO_DEFAULT_LOCALE="en",
               HOSTICO_OUTBOX_CLAIM_TIMEOUT="5", HOSTICO_OUTBOX_BATCH_SIZE="10")
    env.update(extra)
    return env


def _start(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(FLASK + args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting until {what}")


def _stop(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _open_messages(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status.in_(("pending", "sending"))))


def test_the_advisory_lock_is_held_once_across_connections(app, postgres, engine):
    other = create_engine(engine.url)
    try:
        with advisory_lock(engine, "test-job") as first:
            with advisory_lock(other, "test-job") as second:
                assert first is True and second is False
            with advisory_lock(other, "another-job") as third:
                assert third is True
        with advisory_lock(other, "test-job") as again:
            assert again is True
    finally:
        other.dispose()


def test_a_second_billing_run_started_meanwhile_exits_saying_so(app, postgres, engine, runner):
    with advisory_lock(engine, "billing-run") as held:
        assert held
        result = runner.invoke(args=["billing", "run"])
    assert result.exit_code == 0 and "Another billing run is in progress" in result.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(BillingRun)) == 0


def test_staff_running_the_billing_run_while_another_runs_are_told_so(app, postgres, engine, client, make,
                                                                     login_staff, session):
    customer = make.make_customer()
    make.make_service(customer, next_due_date=dt.date.today() + dt.timedelta(days=5))
    login_staff(client, make.make_staff(role="billing"))
    with advisory_lock(engine, "billing-run"):
        resp = client.post_form("/staff/billing-run", {"today": dt.date.today().isoformat(), "confirm": "y"},
                                token_from="/staff/billing-run")
    assert resp.status_code == 409 and "Another billing run is in progress" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_three_workers_and_two_billing_runs_at_once_send_each_message_once_and_number_gaplessly(
        app, postgres, session, database_url, tmp_path, settings):
    today = dt.date.today()
    due, overdue = [], []
    for n in range(12):  # renewals: a proforma (email + SMS) for each
        customer = factories.make_customer(session, phone_e164=f"+4072200{n:04d}", sms_opt_in=True,
                                           sms_consent_at=dt.datetime.now(dt.UTC))
        due.append(factories.make_service(session, customer, next_due_date=today + dt.timedelta(days=5)))
    for n in range(6):  # suspensions: an overdue proforma past the grace days
        customer = factories.make_customer(session, phone_e164=f"+4073300{n:04d}", sms_opt_in=True,
                                           sms_consent_at=dt.datetime.now(dt.UTC))
        service = factories.make_service(session, customer, next_due_date=today + dt.timedelta(days=200))
        factories.make_proforma(session, customer, settings=settings, service=service,
                                today=today - dt.timedelta(days=40))
        overdue.append(service)
    for n in range(20):  # and messages already queued
        customer = factories.make_customer(session)
        notify(session, "proforma_order", customer, invoice=factories.make_proforma(session, customer,
                                                                                     origin="order"))
    session.commit()
    proformas_before = session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "proforma"))

    env = _env(database_url, tmp_path)
    log = open(tmp_path / "processes.log", "w")
    workers = [_start(["worker", "--poll", "0.2"], env, log) for _ in range(3)]
    try:
        runs = [_start(["billing", "run"], env, log) for _ in range(2)]
        for run in runs:
            assert run.wait(180) == 0, (tmp_path / "processes.log").read_text()
        _wait_until(lambda: _open_messages(session) == 0, 120, "the workers deliver the outbox")
    finally:
        _stop(workers)
        log.close()

    session.expire_all()
    proformas = session.scalars(select(Invoice).where(Invoice.kind == "proforma").order_by(Invoice.number)).all()
    renewals = Counter(line.service_id for p in proformas for line in p.lines if line.service_id in
                       {s.id for s in due})
    assert len(proformas) == proformas_before + len(due)
    assert sorted(renewals.values()) == [1] * len(due)  # every due service billed once
    numbers = [p.number for p in proformas if p.series == proformas[0].series]
    assert numbers == list(range(1, len(numbers) + 1))  # gapless
    assert {session.get(Service, s.id).status for s in overdue} == {"suspended"}

    rows = session.scalars(select(OutboxMessage)).all()
    assert rows and {r.status for r in rows} == {"sent"}
    sms_rows = [r for r in rows if r.channel == "sms"]
    lines = read_sms_file(str(tmp_path / "sms.jsonl"))
    assert len(lines) == len(sms_rows) == len(due) + len(overdue)
    assert sorted(line["id"] for line in lines) == sorted(r.provider_message_id for r in sms_rows)
    emails = list(mailbox.mbox(str(tmp_path / "mail.mbox")))
    assert len(emails) == len([r for r in rows if r.channel == "email"])
    assert len({m["Message-ID"] for m in emails}) == len(emails)
    finished = session.scalars(select(BillingRun).where(BillingRun.status == "finished")).all()
    assert 1 <= len(finished) <= 2 and sum(r.summary["proformas_issued"] for r in finished) == len(due)


def test_a_worker_whose_connections_are_cut_mid_batch_reconnects_and_sends_each_message_once(
        app, postgres, session, database_url, tmp_path):
    provider = FakeSmsProvider()
    provider.default = (201, {"sid": "SM0", "status": "queued"}, {})
    provider.delay = 0.03
    services = []
    for n in range(40):
        customer = factories.make_customer(session, phone_e164=f"+4074400{n:04d}", sms_opt_in=True,
                                           sms_consent_at=dt.datetime.now(dt.UTC))
        services.append(factories.make_service(session, customer, domain=f"cut{n}.ro"))
    session.commit()
    for service in services:
        suspend_service(session, service, reason="abuse", sms_hours="00:00-24:00")
    session.commit()
    total = _open_messages(session)
    name = "hostico_cut_test"
    url = database_url + ("&" if "?" in database_url else "?") + f"application_name={name}"
    env = _env(url, tmp_path, HOSTICO_SMS_BACKEND="twilio", HOSTICO_SMS_API_URL=provider.url,
               HOSTICO_SMS_ACCOUNT_SID="AC0", HOSTICO_SMS_API_KEY="token-0123456789")
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    cuts, pending_cuts, guard = [], [5, 15, 25], threading.Lock()

    def cut_connections(count: int) -> None:
        """While the worker waits for the provider's answer (mid-batch), terminate its database connections."""
        with guard:
            due = bool(pending_cuts) and count >= pending_cuts[0]
            if due:
                pending_cuts.pop(0)
        if due:
            with killer.connect() as conn:
                cuts.append(conn.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                             "WHERE application_name = :name"), {"name": name}))

    provider.on_request = cut_connections
    log = open(tmp_path / "worker.log", "w")
    worker = _start(["worker", "--poll", "0.2"], env, log)
    try:
        _wait_until(lambda: _open_messages(session) == 0, 120, "the worker delivers every message")
    finally:
        _stop([worker])
        log.close()
        killer.dispose()
        provider.close()
    assert len(cuts) == 3 and all(cuts), cuts
    bodies = Counter(r["form"]["Body"] for r in provider.requests)
    assert len(bodies) == len(services) and set(bodies.values()) == {1}, bodies.most_common(3)
    session.expire_all()
    rows = session.scalars(select(OutboxMessage)).all()
    assert len(rows) == total and {r.status for r in rows} == {"sent"}
    worker_log = (tmp_path / "worker.log").read_text()
    assert "reconnecting" in worker_log, worker_log[-3000:]  # an outcome met a cut connection and was kept

"""The Prometheus endpoint (docs/operations.md, Health and metrics): behind HOSTICO_METRICS_TOKEN, requests by
route and status, and the state read from the database at scrape time."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from hostico.models import BillingRun, EfacturaDocument, OutboxMessage, utcnow
from tests.conftest import reconfigure

TOKEN = "m7Qz2Lp9Xk4Vw8Rt3Nb6"


@pytest.fixture
def scrape(app, client):
    reconfigure(app, METRICS_TOKEN=TOKEN)

    def get() -> str:
        resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert resp.status_code == 200 and resp.mimetype == "text/plain"
        assert resp.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in resp.headers
        return resp.get_data(as_text=True)
    return get


def sample(body: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text, None when absent."""
    for line in body.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return None


def test_there_is_no_metrics_endpoint_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-of-twenty", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_scraper_without_the_token(app, client, header):
    reconfigure(app, METRICS_TOKEN=TOKEN)
    resp = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401 and b"hostico_" not in resp.data


def test_requests_are_counted_by_route_rule_and_status_never_by_raw_path(client, scrape):
    before = sample(scrape(), "hostico_http_requests_total", route="/invoices/<code>", method="GET",
                    status="302") or 0
    client.get("/invoices/HPF-SECRET-42")  # anonymous: redirected to the login page
    client.get("/no-such-page-7f3a")
    body = scrape()
    assert sample(body, "hostico_http_requests_total", route="/invoices/<code>", method="GET",
                  status="302") == before + 1
    assert sample(body, "hostico_http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    assert "HPF-SECRET-42" not in body and "no-such-page-7f3a" not in body
    assert sample(body, "hostico_http_request_duration_seconds_count", route="/invoices/<code>",
                  method="GET") >= 1
    assert sample(body, "hostico_http_request_duration_seconds_bucket", route="/invoices/<code>", method="GET",
                  le="+Inf") >= 1


def test_each_request_is_counted_once_under_its_own_labels_however_many_are_remembered(client, scrape,
                                                                                       monkeypatch):
    from hostico.web import observability

    monkeypatch.setattr(observability, "METRICS_SIZE", 2)  # the remembered children are dropped as they go
    labels = [dict(route="/login", method="GET", status="200"), dict(route="/login", method="HEAD", status="200"),
              dict(route="<unmatched>", method="GET", status="404")]
    body = scrape()
    before = [sample(body, "hostico_http_requests_total", **one) or 0 for one in labels]
    for _ in range(3):
        client.get("/login")
        client.head("/login")
        client.get("/no-such-page-3b1c")
    body = scrape()
    assert [sample(body, "hostico_http_requests_total", **one) for one in labels] == [n + 3 for n in before]
    assert len(observability._children) <= 2


def _message(session, n: int, *, channel="email", status="pending", waited=dt.timedelta(0)) -> None:
    session.add(OutboxMessage(channel=channel, event="test", dedupe_key=f"test:{n}:{channel}",
                              recipient="x@example.com", template="test", context={}, status=status, attempts=0,
                              next_attempt_at=utcnow() - waited))


def test_outbox_depth_age_and_outcomes_are_read_from_the_database(scrape, session):
    _message(session, 1, waited=dt.timedelta(minutes=10))
    _message(session, 2)
    _message(session, 3, channel="sms", status="sent")
    _message(session, 4, channel="sms", status="dead")
    session.commit()
    body = scrape()
    assert sample(body, "hostico_outbox_depth", channel="email") == 2
    assert sample(body, "hostico_outbox_depth", channel="sms") == 0
    assert 590 <= sample(body, "hostico_outbox_oldest_age_seconds", channel="email") <= 900
    assert sample(body, "hostico_outbox_oldest_age_seconds", channel="sms") == 0
    assert sample(body, "hostico_outbox_messages", channel="sms", status="sent") == 1
    assert sample(body, "hostico_outbox_messages", channel="sms", status="dead") == 1
    assert sample(body, "hostico_outbox_messages", channel="email", status="pending") == 2


def test_the_last_billing_run_e_factura_and_checkouts_are_read_from_the_database(app, scrape, session, make):
    started = utcnow() - dt.timedelta(seconds=90)
    session.add(BillingRun(run_date=dt.date(2026, 12, 1), started_at=started, finished_at=started + dt.timedelta(
        seconds=42), status="finished", summary={"run_id": 1, "proformas_issued": 7, "suspensions": 2,
                                                 "date": "2026-12-01"}))
    customer = make.make_customer()
    late, fresh = make.make_proforma(customer), make.make_proforma(customer)
    today = dt.date.today()
    session.add_all([
        EfacturaDocument(invoice_id=late.id, state="pending", issue_date=today - dt.timedelta(days=20),
                         deadline=today - dt.timedelta(days=10)),
        EfacturaDocument(invoice_id=fresh.id, state="ok", issue_date=today, deadline=today + dt.timedelta(days=5)),
    ])
    session.commit()
    make.make_checkout(customer, [fresh], status="paid")
    make.make_checkout(customer, [late])
    make.make_checkout(customer, [late], gateway="stripe", status="expired")  # its session ended unpaid
    body = scrape()
    assert sample(body, "hostico_billing_run_last_duration_seconds") == 42
    assert sample(body, "hostico_billing_run_last_count", what="proformas_issued") == 7
    assert sample(body, "hostico_billing_run_last_count", what="suspensions") == 2
    assert sample(body, "hostico_billing_run_last_count", what="run_id") is None
    assert sample(body, "hostico_billing_runs", status="finished") == 1
    assert sample(body, "hostico_efactura_documents", state="pending") == 1
    assert sample(body, "hostico_efactura_documents", state="ok") == 1
    assert sample(body, "hostico_efactura_overdue_documents") == 1
    assert sample(body, "hostico_checkouts", gateway="sandbox", status="paid") == 1
    assert sample(body, "hostico_checkouts", gateway="sandbox", status="pending") == 1
    assert sample(body, "hostico_checkouts", gateway="stripe", status="expired") == 1

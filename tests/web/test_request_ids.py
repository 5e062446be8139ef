"""Request ids and JSON logs (docs/operations.md, Logs): each request's id is on its log lines, its response, the
outbox rows it queues and the worker's lines about them."""

from __future__ import annotations

import json
import logging

import pytest
from flask import current_app

from hostico import logs
from hostico.models import OutboxMessage
from hostico.notify.events import notify


def test_a_sane_x_request_id_is_kept_and_returned(client):
    resp = client.get("/healthz", headers={"X-Request-ID": "lb-4f2a:9c.1_x"})
    assert resp.headers["X-Request-ID"] == "lb-4f2a:9c.1_x"


@pytest.mark.parametrize("sent", ["", "a b", "x" * 65, "id;forged=1 line", "<script>", "é"])
def test_an_odd_x_request_id_is_replaced_by_a_new_one(client, sent):
    resp = client.get("/healthz", headers={"X-Request-ID": sent})
    assert resp.headers["X-Request-ID"] != sent and len(resp.headers["X-Request-ID"]) == 32


def test_every_response_carries_a_fresh_id_when_none_was_sent(client):
    first, second = client.get("/login"), client.get("/login")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert all(len(r.headers["X-Request-ID"]) == 32 and int(r.headers["X-Request-ID"], 16) >= 0
               for r in (first, second))


def test_log_lines_of_a_request_carry_its_id(app, client, caplog):
    @app.route("/_log_probe")
    def probe():
        current_app.logger.warning("probe line")
        return "ok"

    probe.is_public = True
    with caplog.at_level(logging.INFO):
        client.get("/_log_probe", headers={"X-Request-ID": "req-probe-1"})
    (record,) = [r for r in caplog.records if r.getMessage() == "probe line"]
    assert record.request_id == "req-probe-1"
    assert logs.current_request_id() is None  # unbound once the request ended


def test_outbox_rows_carry_the_request_id_and_the_worker_logs_with_it(app, session, make, deliver, caplog,
                                                                      smtp_server):
    customer = make.make_customer()
    with logs.request_id_bound("req-queued-7"):
        notify(session, "reminder", customer, invoice=make.make_proforma(customer))
    session.commit()
    assert {m.request_id for m in session.query(OutboxMessage)} == {"req-queued-7"}
    with caplog.at_level(logging.INFO, logger="hostico.worker"):
        deliver()
    sent = [r for r in caplog.records if r.name == "hostico.worker" and " sent " in r.getMessage()]
    assert sent and {r.request_id for r in sent} == {"req-queued-7"}


def test_json_lines_hold_time_level_logger_message_request_id_and_exception():
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("hostico.x", logging.ERROR, __file__, 1, "failed %s", ("once",), sys.exc_info())
    record.request_id = "req-9"
    entry = json.loads(formatter.format(record))
    assert entry["level"] == "ERROR" and entry["logger"] == "hostico.x" and entry["message"] == "failed once"
    assert entry["request_id"] == "req-9" and "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_production_logs_are_json_lines(test_config, capsys):
    from hostico.web.app import create_app
    from tests.conftest import PRODUCTION_SECRETS

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        create_app({**test_config, "ENV": "production", **PRODUCTION_SECRETS, "TESTING": False})
        mine = [h for h in root.handlers if h.name == logs.JSON_HANDLER]
        assert len(mine) == 1 and isinstance(mine[0].formatter, logs.JsonFormatter)
        with logs.request_id_bound("req-json-1"):
            logging.getLogger("hostico.test").warning("a line")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "a line" in line]
        assert lines and lines[0]["message"] == "a line" and lines[0]["request_id"] == "req-json-1"
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)

"""Request ids, JSON logs in production, and the Prometheus endpoint (docs/operations.md, Health and metrics).

- Every request gets an id: the `X-Request-ID` a proxy sent when it is sane (hostico.logs.sane_request_id), else
  a new one; it is on every log line of the request, on the outbox rows it writes (so the worker's lines about
  them carry it too) and in the response's `X-Request-ID`.
- `/metrics` (Prometheus text format) answers only a scraper sending `Authorization: Bearer
  HOSTICO_METRICS_TOKEN` (compared in constant time); without the setting there is no endpoint (404).
  Request counts and latencies are counted by each process (`PROMETHEUS_MULTIPROC_DIR` lets gunicorn's
  workers share them); what is state (outbox, messages, billing runs, e-Factura, checkouts) is read from the
  database at each scrape, so any host answers for all of them.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from hostico import logs
from hostico.caches import remember
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.metrics_state import read_state
from hostico.web.security import public, sessionless

REQUEST_ID_HEADER = "X-Request-ID"
disable_created_metrics()  # no `_created` series beside each counter: Prometheus does not need them
UNMATCHED = "<unmatched>"  # a 404 for a path no route matches: one label, whatever the path

HTTP_REQUESTS = Counter("hostico_http_requests", "HTTP requests answered, by route (URL rule), method and status.",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("hostico_http_request_duration_seconds", "Time to answer a request, by route and method.",
                         ["route", "method"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


def init_app(app: Flask) -> None:
    """Bind request ids and count requests (registered before every other hook), add /metrics, JSON logs."""
    logs.install_request_id_on_records()
    if app_settings(app).production and not app.testing:  # a test suite's output stays readable
        logs.use_json_logs()
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.teardown_request(_unbind_request_id)
    app.add_url_rule("/metrics", "metrics", metrics)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id = logs.sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or logs.new_request_id()
    g.request_id_token = logs.bind_request_id(request_id)


def _finish_request(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    rule = request.url_rule
    method = request.method
    counter, latency = _metrics(rule.rule if rule is not None else UNMATCHED, method, response.status_code)
    counter.inc()
    if "request_started" in g:
        latency.observe(time.perf_counter() - g.request_started)
    return response


METRICS_SIZE = 1024  # a client chooses the method: bounded, cleared when full
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _metrics(route: str, method: str, status: int) -> tuple[Any, Any]:
    """Return the request counter and latency histogram of (route, method, status): a labelled child never
    changes (nothing removes one), and labels() validates, converts and takes a lock at each call (~10 µs)."""
    key = (route, method, status)
    found = _children.get(key)
    if found is None:
        found = remember(_children, key, (HTTP_REQUESTS.labels(route, method, str(status)),
                                          HTTP_LATENCY.labels(route, method)), METRICS_SIZE)
    return found


def _unbind_request_id(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.reset_request_id(token)


def _authorised(expected: str) -> bool:
    sent = request.headers.get("Authorization", "")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


@public
@sessionless
def metrics():
    """The Prometheus scrape: this process's (or gunicorn's processes') request metrics and the database's state."""
    expected = app_settings().metrics_token
    if not expected:
        abort(404)
    if not _authorised(expected):
        return Response("Unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector())
    body = generate_latest(_process_registry()) + generate_latest(state)
    return Response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST})


def _process_registry():
    """The request metrics: this process's, or every gunicorn worker's in multi-process mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class StateCollector:
    """Gauges read from the database at scrape time (hostico.web.metrics_state)."""

    def collect(self):
        for family in read_state(db.session, today=app_settings().today()):
            gauge = GaugeMetricFamily(family.name, family.help, labels=list(family.labels))
            for labels, value in family.samples:
                gauge.add_metric(list(labels), value)
            yield gauge

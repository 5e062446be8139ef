"""gunicorn settings for Hostico Billing: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_*), so the systemd unit and the
Procfile share this file. The access log never contains query strings, cookies or path tokens (mail-login
links, email confirmations).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys

from gunicorn.glogging import Logger

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from hostico.maillogin.redact import REDACTED, redact  # noqa: E402  (Flask-free)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, (2 x CPU) + 1: the app is I/O bound on PostgreSQL; one request never holds a worker long.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# nginx on the same host is the only proxy trusted for X-Forwarded-* (the app's HOSTICO_PROXY_FIX=1).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Path only (%(U)s, tokens redacted), never %(r)s / %(q)s: query strings and mail-login tokens stay out of logs.
# The request id the app answered with (X-Request-ID) ties the line to the app's own log lines.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'


def child_exit(server, worker):
    """Prometheus multi-process mode (PROMETHEUS_MULTIPROC_DIR set): forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

_SECRET_HEADERS = ("{cookie}i", "{authorization}i", "{set-cookie}o", "{x-csrftoken}i")


class RedactingLogger(Logger):
    """gunicorn's logger, with paths, the request line, the referer and headers passed through redact().

    Only the atoms the access-log format prints are kept (each redacted): the others would never be written,
    and redacting every request and response header cost a twentieth of a worker's time under load.
    """

    _format_keys: tuple[str, frozenset[str]] = ("", frozenset())

    def _printed(self) -> frozenset[str]:
        fmt = self.cfg.access_log_format
        if self._format_keys[0] != fmt:
            keys = re.findall(r"%\(([^)]+)\)", fmt)
            self._format_keys = (fmt, frozenset(k.lower() if k.startswith("{") else k for k in keys))
        return self._format_keys[1]

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {}
        for key in self._printed():
            if key not in atoms:
                continue  # gunicorn prints "-"
            value = atoms[key]
            if key == "q":
                value = REDACTED if value else ""
            elif key in _SECRET_HEADERS:
                value = REDACTED
            elif isinstance(value, str) and (key in ("r", "U", "f") or key.startswith("{")):
                value = redact(value)
            kept[key] = value
        return kept


logger_class = RedactingLogger

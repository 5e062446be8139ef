"""One log redaction (hostico/maillogin/redact.py): both token paths masked in app logs, gunicorn's access log
(through the same redact()) and the nginx example."""

from __future__ import annotations

import logging
import pathlib
import re

import pytest

from hostico.maillogin.redact import TOKEN_PATHS, redact

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKEN = "eyJhbGciOiJIUzI1NiJ9.payload.signature"


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_each_token_path_is_masked(path):
    line = f'127.0.0.1 "GET {path}{TOKEN} HTTP/1.1" 302'
    assert redact(line) == f'127.0.0.1 "GET {path}[redacted] HTTP/1.1" 302'


def test_the_email_confirmation_token_is_masked_in_app_logs(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET /my-details/email/confirm/%s HTTP/1.1" 302 -', TOKEN)
    assert "/my-details/email/confirm/[redacted]" in caplog.text and TOKEN not in caplog.text


def test_there_is_one_redaction():
    """No second pattern or record factory elsewhere: the web layer and gunicorn's config use this one."""
    sources = [p for p in (ROOT / "hostico").rglob("*.py") if p.name != "redact.py" and "migrations" not in p.parts]
    sources.append(ROOT / "deploy" / "gunicorn.conf.py")
    found = [str(p.relative_to(ROOT)) for p in sources
             if re.search(r"logging\.Filter\b|\(/m/\)|/m/\[", p.read_text())]
    assert found == []
    # The one other record factory adds the request id (hostico/logs.py) and wraps whatever factory came first,
    # so the redaction stays in force whichever is installed first.
    factories = [str(p.relative_to(ROOT)) for p in sources if "setLogRecordFactory" in p.read_text()]
    assert factories == ["hostico/logs.py"]
    assert "previous = logging.getLogRecordFactory()" in (ROOT / "hostico" / "logs.py").read_text()
    assert "from hostico.maillogin.redact import" in (ROOT / "deploy" / "gunicorn.conf.py").read_text()


def test_the_nginx_example_masks_every_token_path():
    conf = (ROOT / "deploy" / "nginx" / "hostico.conf").read_text()
    for path in TOKEN_PATHS:
        assert f"~^{path}   {path}[redacted];" in conf
        assert f"location {path} {{" in conf


def test_installing_the_redaction_and_the_request_id_again_adds_no_layer():
    """create_app runs once per app (tests make hundreds): the record factories must not stack up."""
    import logging

    from hostico.logs import install_request_id_on_records
    from hostico.maillogin.redact import install_log_redaction

    original = logging.getLogRecordFactory()
    try:
        install_log_redaction()
        install_request_id_on_records()
        top = logging.getLogRecordFactory()
        for _ in range(3):
            install_log_redaction()
            install_request_id_on_records()
        assert logging.getLogRecordFactory() is top
        record = top("x", logging.INFO, __file__, 1, "GET /m/eyJhbGciOi.abc.def HTTP/1.1", None, None)
        assert "eyJhbGciOi" not in record.getMessage() and hasattr(record, "request_id")
    finally:
        logging.setLogRecordFactory(original)

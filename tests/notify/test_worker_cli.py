"""`flask worker --once`, and the inline worker thread that `make run` starts."""

import time

from sqlalchemy import select

from hostico.commands.worker import start_inline_worker
from hostico.models import OutboxMessage
from hostico.notify.events import notify
from hostico.web.app import create_app


def _queue(session, make):
    customer = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    notify(session, "proforma_system", customer, invoice=make.make_proforma(customer), sms_hours="00:00-24:00")
    session.commit()


def test_worker_once_delivers_everything_due_and_exits(app, runner, session, make, sms_file):
    _queue(session, make)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Handled 2 message(s)." in result.output
    assert {m.status for m in session.scalars(select(OutboxMessage))} == {"sent"}
    assert len(sms_file()) == 1
    assert runner.invoke(args=["worker", "--once"]).output.strip() == "Handled 0 message(s)."


def test_inline_worker_delivers_in_the_background_and_starts_once(app, test_config, session, make, sms_file):
    served = create_app({**test_config, "TESTING": False, "INLINE_WORKER": True, "MAIL_BACKEND": "outbox"})
    thread, stop = served.extensions["hostico_inline_worker"]
    try:
        assert thread.is_alive()
        assert start_inline_worker(served) is None  # a second start in this process is refused
        _queue(session, make)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            session.expire_all()
            if {m.status for m in session.scalars(select(OutboxMessage))} == {"sent"}:
                break
            time.sleep(0.1)
        assert {m.status for m in session.scalars(select(OutboxMessage))} == {"sent"}
        assert len(sms_file()) == 1
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()

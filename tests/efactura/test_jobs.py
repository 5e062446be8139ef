"""The SPV jobs end to end against the fake ANAF over HTTP: a 503, an expired token, a nok and an upload
whose answer was lost — each document reaches SPV exactly once and its ZIP is archived."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter

from sqlalchemy import select

from hostico.efactura.jobs import sync
from hostico.models import EfacturaDocument, EfacturaUpload, Invoice
from tests.efactura.conftest import BUYERS

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def documents(session) -> dict[str, EfacturaDocument]:
    session.expire_all()
    rows = session.execute(select(Invoice.code, EfacturaDocument)
                           .join(EfacturaDocument, EfacturaDocument.invoice_id == Invoice.id)).all()
    return dict(rows)


def registered(anaf) -> Counter:
    """How many times SPV registered each document number."""
    return Counter(m["number"] for m in anaf.spv.messages.values())


def test_every_document_reaches_spv_exactly_once_through_faults(anaf, anaf_config, session_factory, session,
                                                                 issue, runner):
    anaf.spv.validator = lambda xml: ["E: [BR-RO-120] simulated refusal"] if b"Capitala SRL" in xml else []
    a, _ = issue("ro_company")              # upload answers 503 first
    b, _ = issue("person_with_cnp")         # uploadb2c: processed, but the answer is lost
    c, _ = issue("ro_company_bucharest")    # SPV says nok
    d, _ = issue("person_without_cnp")      # uploadb2c, ok
    x, _ = issue("non_eu_company")          # place of supply outside Romania: not reported
    anaf.fail("upload", "503")
    anaf.fail("uploadb2c", "drop")

    first = sync(session_factory, anaf_config, now=at(0))
    assert (first.enqueued, first.excluded, first.uploaded, len(first.errors)) == (4, 1, 2, 2)
    docs = documents(session)
    assert docs[a.code].state == "pending" and "503" in docs[a.code].last_error
    assert docs[b.code].state == "pending"  # its upload is lost, not forgotten
    assert docs[x.code].state == "excluded"
    assert registered(anaf) == {b.code: 1, c.code: 1, d.code: 1}

    anaf.expire_access_tokens()  # the 90 days are over: SPV answers 401
    second = sync(session_factory, anaf_config, now=at(2))
    assert second.uploaded == 1 and second.waiting >= 1  # a uploaded after a refresh; b waits before looking
    third = sync(session_factory, anaf_config, now=at(10))
    assert (third.ok, third.nok) == (1, 1)
    fourth = sync(session_factory, anaf_config, now=at(40))
    assert fourth.found == 1 and fourth.uploaded == 0

    docs = documents(session)
    assert {code: docs[code].state for code in (a.code, b.code, c.code, d.code)} == {
        a.code: "ok", b.code: "ok", c.code: "nok", d.code: "ok"}
    assert docs[c.code].anaf_messages == ["E: [BR-RO-120] simulated refusal"]
    # Exactly once each: b's lost upload was found in the message list instead of being sent again.
    assert registered(anaf) == {a.code: 1, b.code: 1, c.code: 1, d.code: 1}
    assert [r["path"].endswith("uploadb2c") for r in anaf.calls("uploadb2c")] == [True, True]
    assert len(anaf.calls("token")) == 2  # bootstrap, then one refresh after the 401
    for code in (a.code, b.code, c.code, d.code):
        assert docs[code].upload_index == next(i for i, m in anaf.spv.messages.items() if m["number"] == code)

    zips = {u.document_id: u.zip
            for u in session.scalars(select(EfacturaUpload).where(EfacturaUpload.zip.is_not(None)))}
    for code in (a.code, b.code, d.code):
        with zipfile.ZipFile(io.BytesIO(zips[docs[code].id])) as zf:
            assert zf.read(f"{docs[code].upload_index}.xml") == docs[code].xml  # the signed original, kept
    with zipfile.ZipFile(io.BytesIO(zips[docs[c.code].id])) as zf:
        assert b"simulated refusal" in zf.read(f"{docs[c.code].upload_index}.xml")

    again = sync(session_factory, anaf_config, now=at(120))
    assert again.uploaded == 0 and again.requests == 0  # nothing left to do, nothing sent

    result = runner.invoke(args=["efactura", "status"])
    assert result.exit_code == 0, result.output
    lines = set(result.output.splitlines())
    assert f"{a.code} ok {docs[a.code].upload_index}" in lines
    assert f"{b.code} ok {docs[b.code].upload_index}" in lines
    # ANAF refused it and its deadline (27 November) has passed: overdue, with the refused upload's index.
    assert f"{c.code} overdue {docs[c.code].upload_index}" in lines
    assert not any(line.startswith(x.code) for line in lines)


def test_a_lost_upload_not_found_in_spv_is_uploaded_again_after_the_wait(anaf, anaf_config, session_factory,
                                                                        session, issue):
    tax, _ = issue("ro_company")
    anaf.fail("upload", "503")
    sync(session_factory, anaf_config, now=at(0))
    doc = documents(session)[tax.code]
    # A lost answer whose upload never reached SPV (the connection broke on the way in).
    session.add(EfacturaUpload(document_id=doc.id, state="lost", started_at=at(1), xml_sha256="0" * 64))
    session.commit()
    waiting = sync(session_factory, anaf_config, now=at(5))
    assert waiting.waiting == 1 and anaf.calls("listaMesajeFactura") == []
    later = sync(session_factory, anaf_config, now=at(35))
    assert len(anaf.calls("listaMesajeFactura")) == 1 and later.uploaded == 1
    assert registered(anaf) == {tax.code: 1}


def test_a_document_that_fails_validation_is_never_uploaded(anaf, anaf_config, session_factory, session, issue):
    # A county that is no Romanian county: complete for an invoice, refused by CIUS-RO (BR-RO-110).
    tax, _ = issue(dict(BUYERS["ro_company"], county="Atlantis", city="Brașov"))
    summary = sync(session_factory, anaf_config, now=at(0))
    doc = documents(session)[tax.code]
    assert summary.blocked == 0 and doc.state == "pending" and doc.findings
    assert anaf.calls("upload") == [] and anaf.spv.messages == {}
    sync(session_factory, anaf_config, now=at(120))  # rechecked later: still refused, still not sent
    assert anaf.calls("upload") == []


def test_status_queries_stop_at_anafs_daily_limit(anaf, anaf_config, session_factory, session, issue):
    anaf.spv.processing_polls = 10_000  # SPV keeps it `in prelucrare`
    tax, _ = issue("ro_company")
    sync(session_factory, anaf_config, now=at(0))
    doc = documents(session)[tax.code]
    upload = session.scalar(select(EfacturaUpload).where(EfacturaUpload.document_id == doc.id))
    upload.status_checks, upload.status_checks_day = 100, dt.date(2026, 11, 20)
    session.commit()
    sync(session_factory, anaf_config, now=at(120))
    assert anaf.calls("stareMesaj") == []
    assert documents(session)[tax.code].next_attempt_at >= dt.datetime(2026, 11, 20, 22, 5, tzinfo=dt.UTC)
    sync(session_factory, anaf_config, now=dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC))  # the next day
    assert len(anaf.calls("stareMesaj")) == 1


def test_off_does_nothing(app, anaf, session_factory, issue):
    issue("ro_company")
    summary = sync(session_factory, app.config, now=at(0))
    assert summary.enqueued == 0 and anaf.requests == []


def test_parallel_workers_upload_each_document_once(anaf, anaf_config, session_factory, session, issue, engine_name):
    """Two workers syncing at once (PostgreSQL's SKIP LOCKED; SQLite runs one writer) never upload twice."""
    import threading

    taxes = [issue("ro_company")[0] for _ in range(6)]
    errors: list[BaseException] = []

    def worker():
        try:
            sync(session_factory, anaf_config, now=at(0))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2 if engine_name == "postgres" else 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sync(session_factory, anaf_config, now=at(45))  # anything left waiting is found, not sent again
    assert registered(anaf) == {t.code: 1 for t in taxes}
    assert all(d.state in ("uploaded", "ok") for d in documents(session).values())

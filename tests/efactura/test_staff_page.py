"""/staff/efactura: states, filters, downloads, resend after a fix, connecting to ANAF, bounded queries."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import event, func, select

from hostico.efactura.jobs import sync
from hostico.models import AnafToken, AuditLog, EfacturaDocument
from tests.conftest import reconfigure

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def run_until_decided(session_factory, config):
    for minutes in (0, 2, 10):
        sync(session_factory, config, now=T0 + dt.timedelta(minutes=minutes))


@pytest.fixture
def staff_client(client, make, login_staff):
    def do(role="admin"):
        login_staff(client, make.make_staff(role=role))
        return client
    return do


@pytest.fixture
def decided(anaf, anaf_config, session_factory, issue):
    """An ok company invoice and a nok one (SPV refuses the Bucharest company)."""
    anaf.spv.validator = lambda xml: ["E: [BR-RO-120] simulated refusal"] if b"Capitala SRL" in xml else []
    ok, _ = issue("ro_company")
    nok, _ = issue("ro_company_bucharest")
    run_until_decided(session_factory, anaf_config)
    return ok, nok


def test_page_shows_each_document_state_index_and_anafs_messages(staff_client, decided, session):
    ok, nok = decided
    page = staff_client("support").get("/staff/efactura").get_data(as_text=True)
    assert f'data-document="{ok.code}" data-state="ok"' in page
    assert f'data-document="{nok.code}" data-state="overdue"' in page  # refused and 27 November has passed
    assert "simulated refusal" in page
    index = session.scalar(select(EfacturaDocument.upload_index).where(EfacturaDocument.invoice_id == ok.id))
    assert index in page
    assert 'data-connection="connected"' in page
    assert "Resend" not in page  # support may look, not resend


def test_filters_by_state_and_number(staff_client, decided):
    ok, nok = decided
    client = staff_client()
    only_ok = client.get("/staff/efactura?state=ok").get_data(as_text=True)
    assert ok.code in only_ok and f'data-document="{nok.code}"' not in only_ok
    by_number = client.get(f"/staff/efactura?number={nok.code}").get_data(as_text=True)
    assert f'data-document="{nok.code}"' in by_number and f'data-document="{ok.code}"' not in by_number
    assert client.get("/staff/efactura?state=%27;--&number=%25%27").status_code == 200


def test_downloads_the_xml_and_the_archived_zip(staff_client, decided, session):
    ok, _ = decided
    client = staff_client("support")
    xml = client.get(f"/staff/efactura/{ok.code}.xml")
    assert xml.status_code == 200 and xml.data.startswith(b"<?xml") and ok.code.encode() in xml.data
    archive = client.get(f"/staff/efactura/{ok.code}.zip")
    assert archive.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        assert any(name.startswith("semnatura_") for name in zf.namelist())
    assert client.get("/staff/efactura/HST-999999.xml").status_code == 404


def test_resend_after_a_fix_is_post_csrf_permission_checked_and_audited(staff_client, decided, anaf, anaf_config,
                                                                         session_factory, session, client, make,
                                                                         login_staff):
    _, nok = decided
    url = f"/staff/efactura/{nok.code}/resend"
    login_staff(client, make.make_staff(role="support"))
    assert client.post_form(url, {}, token_from="/staff/efactura").status_code == 403
    login_staff(client, make.make_staff(role="billing"))
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    anaf.spv.validator = lambda xml: []  # the cause was fixed
    resp = client.post_form(url, {}, token_from="/staff/efactura")
    assert resp.status_code == 303
    session.expire_all()
    doc = session.scalar(select(EfacturaDocument).where(EfacturaDocument.invoice_id == nok.id))
    assert doc.state == "pending" and doc.anaf_messages is None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "efactura.resend"))
    assert entry.actor_kind == "staff" and entry.data["before"]["state"] == "nok"
    for minutes in (20, 22, 30):
        sync(session_factory, anaf_config, now=T0 + dt.timedelta(minutes=minutes))
    session.expire_all()
    assert session.get(EfacturaDocument, doc.id).state == "ok"
    # an accepted document is never resent
    assert client.post_form(url, {}, token_from="/staff/efactura", follow_redirects=True).status_code == 200
    session.expire_all()
    assert session.get(EfacturaDocument, doc.id).state == "ok"


def test_connecting_to_anaf_checks_the_state_and_stores_tokens(app, anaf, anaf_config, staff_client, session):
    reconfigure(app, ANAF_REFRESH_TOKEN="")
    client = staff_client("admin")
    assert 'data-connection="none"' in client.get("/staff/efactura").get_data(as_text=True)
    resp = client.post_form("/staff/efactura/connect", {}, token_from="/staff/efactura")
    assert resp.status_code == 303 and resp.location.startswith(anaf.url + "/anaf-oauth2/v1/authorize?")
    # The operator presents the certificate at ANAF, which sends the browser back with a code.
    back = urlsplit(httpx.get(resp.location).text)
    query = parse_qs(back.query)
    forged = client.get(f"{back.path}?code={query['code'][0]}&state=forged", follow_redirects=True)
    assert "could not be verified" in forged.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AnafToken)) == 0
    resp = client.post_form("/staff/efactura/connect", {}, token_from="/staff/efactura")
    back = urlsplit(httpx.get(resp.location).text)
    page = client.get(f"{back.path}?{back.query}", follow_redirects=True).get_data(as_text=True)
    assert 'data-connection="connected"' in page
    assert session.scalar(select(func.count()).select_from(AnafToken)) == 1
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "efactura.connected"))


def test_only_admins_connect(anaf_config, staff_client):
    client = staff_client("billing")
    assert client.post_form("/staff/efactura/connect", {}, token_from="/staff/efactura").status_code == 403


def test_the_page_runs_the_same_number_of_queries_for_2_or_30_documents(staff_client, anaf_config, session_factory,
                                                                        issue):
    client = staff_client()

    def count() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(session_factory().get_bind(), "before_cursor_execute", listener)
        try:
            assert client.get("/staff/efactura").status_code == 200
        finally:
            event.remove(session_factory().get_bind(), "before_cursor_execute", listener)
        return len(seen)

    for _ in range(2):
        issue("ro_company")
    sync(session_factory, anaf_config, now=T0)
    few = count()
    for _ in range(28):
        issue("person_with_cnp")
    sync(session_factory, anaf_config, now=T0)
    assert count() == few


def test_dashboard_flags_documents_past_their_deadline(staff_client, anaf_config, session_factory, issue, anaf):
    anaf.fail("upload", "503", "503", "503")
    tax, _ = issue("ro_company")
    sync(session_factory, anaf_config, now=T0)
    page = staff_client("support").get("/staff/").get_data(as_text=True)
    assert f'data-document="{tax.code}" data-flag="overdue"' in page


def test_off_hides_the_page_and_its_menu_entry(app, staff_client):
    client = staff_client()
    assert client.get("/staff/efactura").status_code == 404
    assert "/staff/efactura" not in client.get("/staff/").get_data(as_text=True)

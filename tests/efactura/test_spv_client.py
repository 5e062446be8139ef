"""The SPV adapter against the fake ANAF over HTTP: ANAF's answer shapes, its errors, and the limits."""

from __future__ import annotations

import pytest

from hostico.efactura.errors import AnafAuthError, AnafRefused, AnafTemporaryError
from hostico.efactura.ratelimit import RateLimiter
from hostico.efactura.settings import EfacturaSettings
from hostico.efactura.spv import SpvClient

INVOICE = (b'<?xml version="1.0" encoding="UTF-8"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
           b'Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
           b'<cbc:ID>HST-000001</cbc:ID><cbc:IssueDate>2026-12-01</cbc:IssueDate></Invoice>')


@pytest.fixture
def tokens(anaf):
    """Hand out tokens the fake accepts; count forced refreshes."""
    state = {"forced": 0, "token": anaf._issue()["access_token"]}

    def token(force: bool) -> str:
        if force:
            state["forced"] += 1
            state["token"] = anaf._issue()["access_token"]
        return state["token"]
    token.state = state
    return token


@pytest.fixture
def client(anaf, tokens):
    settings = EfacturaSettings(mode="test", api_url=anaf.url, seller_cif="RO18547290", timeout=2.0)
    with SpvClient(settings, tokens, limiter=RateLimiter(1000)) as c:
        yield c


def test_upload_sends_the_xml_to_the_test_system_and_returns_the_index(client, anaf):
    index = client.upload(INVOICE)
    assert index.isdigit()
    call = anaf.calls("upload")[0]
    assert call["path"] == "/test/FCTEL/rest/upload"
    assert call["query"] == {"standard": "UBL", "cif": "18547290"}
    assert call["body"] == INVOICE and call["auth"].startswith("Bearer at-")


def test_consumer_documents_go_to_uploadb2c_and_foreign_buyers_carry_extern(client, anaf):
    client.upload(INVOICE, b2c=True)
    client.upload(INVOICE, standard="CN", extern=True)
    assert anaf.calls("uploadb2c")[0]["query"] == {"standard": "UBL", "cif": "18547290"}
    assert anaf.calls("upload")[0]["query"] == {"standard": "CN", "cif": "18547290", "extern": "DA"}


def test_an_upload_spv_refuses_raises_with_anafs_message(client):
    with pytest.raises(AnafRefused) as exc:
        client.upload(b"<Invoice><unclosed></Invoice>")
    assert exc.value.code == "upload_refused"
    assert "Fisierul transmis nu este valid" in str(exc.value)


def test_status_goes_from_processing_to_ok_with_a_download_id(client):
    index = client.upload(INVOICE)
    first = client.status(index)
    assert first.stare == "in prelucrare" and first.verdict is None
    second = client.status(index)
    assert second.verdict == "ok" and second.download_id


def test_a_nok_zip_holds_anafs_error_list(anaf, client):
    anaf.spv.validator = lambda xml: ["BR-RO-100: the buyer's county is missing"]
    index = client.upload(INVOICE)
    client.status(index)
    answer = client.status(index)
    assert answer.stare == "nok"
    archive = client.download(answer.download_id)
    assert archive.errors() == ["BR-RO-100: the buyer's county is missing"]
    assert archive.content[:2] == b"PK"


def test_an_ok_zip_holds_the_signed_original(client):
    index = client.upload(INVOICE)
    client.status(index)
    archive = client.download(client.status(index).download_id)
    assert archive.invoice_xml() == INVOICE
    assert f"semnatura_{index}.xml" in archive.files


def test_status_of_an_unknown_index_and_download_of_an_unknown_id_are_refused(client):
    with pytest.raises(AnafRefused, match="Nu aveti dreptul de inteorgare"):
        client.status("123")
    with pytest.raises(AnafRefused, match="nu exista inregistrata nici o factura"):
        client.download("999")


def test_the_message_list_is_empty_then_lists_the_upload(client):
    assert client.messages(5) == []
    index = client.upload(INVOICE)
    [message] = client.messages(5, filtru="T")
    assert message.upload_index == index and message.kind == "FACTURA TRIMISA" and message.id


def test_503_is_temporary_and_certainly_not_taken(anaf, client):
    anaf.fail("upload", "503")
    with pytest.raises(AnafTemporaryError) as exc:
        client.upload(INVOICE)
    assert not exc.value.ambiguous
    assert anaf.spv.messages == {}


def test_an_upload_whose_answer_is_lost_is_ambiguous(anaf, client):
    anaf.fail("upload", "drop")
    with pytest.raises(AnafTemporaryError) as exc:
        client.upload(INVOICE)
    assert exc.value.ambiguous
    assert len(anaf.spv.messages) == 1  # SPV did register it


def test_a_401_refreshes_the_token_once_and_retries(anaf, client, tokens):
    anaf.expire_access_tokens()
    assert client.upload(INVOICE).isdigit()
    assert tokens.state["forced"] == 1


def test_a_401_after_the_refresh_is_an_auth_error(anaf, client, tokens, monkeypatch):
    monkeypatch.setattr(anaf, "authorised", lambda header: False)
    with pytest.raises(AnafAuthError):
        client.status("1")
    assert len(anaf.calls("stareMesaj")) == 2


def test_the_rate_limiter_holds_requests_beyond_the_limit_for_the_rest_of_the_minute():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, 60, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        assert limiter.acquire() == 0
    now[0] = 10.0
    assert limiter.acquire() == 50.0
    assert slept == [50.0]

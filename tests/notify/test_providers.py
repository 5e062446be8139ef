"""SMS providers against a local fake HTTP server: documented requests, and error classification."""

import base64
import http.client
import select
import ssl

import pytest

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError
from hostico.notify.settings import NotifySettings
from hostico.notify.sms.providers import get_provider
from hostico.notify.sms.providers.smso import SmsoProvider
from hostico.notify.sms.providers.twilio import TwilioProvider

SID = "AC" + "0" * 32


def twilio(fake, timeout=5.0):
    return TwilioProvider(account_sid=SID, auth_token="secret-token", base_url=fake.url, timeout=timeout)


def test_twilio_posts_the_documented_form_with_basic_auth(fake_provider):
    fake_provider.default = (201, {"sid": "SM123", "status": "queued"}, {})
    assert twilio(fake_provider).send(to="+40722123456", sender="Hostico", text="Salut") == "SM123"
    req = fake_provider.requests[0]
    assert req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req["form"] == {"To": "+40722123456", "From": "Hostico", "Body": "Salut"}
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(f"{SID}:secret-token".encode()).decode()
    assert req["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("code", [21211, 21614, 21610, 21612])
def test_twilio_invalid_number_errors_are_permanent(fake_provider, code):
    fake_provider.default = (400, {"code": code, "message": "The 'To' number is not valid", "status": 400}, {})
    with pytest.raises(PermanentDeliveryError, match=str(code)):
        twilio(fake_provider).send(to="+40700000000", sender="Hostico", text="x")


@pytest.mark.parametrize(("status", "body"), [(500, {}), (503, {"code": 20500}), (429, {"code": 20429})])
def test_twilio_server_errors_and_throttling_are_temporary(fake_provider, status, body):
    fake_provider.default = (status, body, {"Retry-After": "7"})
    with pytest.raises(TemporaryDeliveryError) as info:
        twilio(fake_provider).send(to="+40722123456", sender="Hostico", text="x")
    assert info.value.retry_after == 7


def test_twilio_timeout_is_temporary(fake_provider):
    fake_provider.delay = 0.5
    with pytest.raises(TemporaryDeliveryError, match="timeout"):
        twilio(fake_provider, timeout=0.1).send(to="+40722123456", sender="Hostico", text="x")


def test_an_adapter_keeps_its_connection_alive_between_messages(fake_provider):
    provider = twilio(fake_provider)
    for n in range(3):
        fake_provider.default = (201, {"sid": f"SM{n}"}, {})
        assert provider.send(to="+40722123456", sender="Hostico", text=f"m{n}") == f"SM{n}"
    provider.close()
    assert len({req["peer"] for req in fake_provider.requests}) == 1


def test_a_connection_the_provider_closed_while_idle_is_replaced(fake_provider):
    provider = twilio(fake_provider)
    fake_provider.hang_up = True
    assert provider.send(to="+40722123456", sender="Hostico", text="m0") == "SM0"
    select.select([provider.http.conn.sock], [], [], 5)  # the provider's end of the connection has arrived
    assert provider.send(to="+40722123456", sender="Hostico", text="m1") == "SM0"
    assert len({req["peer"] for req in fake_provider.requests}) == 2


def test_after_a_timeout_the_next_message_goes_out_on_a_new_connection(fake_provider):
    provider = twilio(fake_provider, timeout=0.1)
    fake_provider.delay = 0.5
    with pytest.raises(TemporaryDeliveryError, match="timeout"):
        provider.send(to="+40722123456", sender="Hostico", text="late")
    fake_provider.delay = 0
    assert provider.send(to="+40722123456", sender="Hostico", text="next") == "SM0"
    assert [req["form"]["Body"] for req in fake_provider.requests] == ["late", "next"]


def test_https_providers_are_verified_against_the_ca_bundle():
    conn = TwilioProvider(account_sid=SID, auth_token="t", base_url="https://api.twilio.com").http.conn
    assert isinstance(conn, http.client.HTTPSConnection) and (conn.host, conn.port) == ("api.twilio.com", 443)
    assert conn._context.verify_mode == ssl.CERT_REQUIRED and conn._context.check_hostname


def test_a_redirect_is_not_followed_and_nothing_is_sent_twice(fake_provider):
    fake_provider.default = (307, {}, {"Location": "/elsewhere"})
    with pytest.raises(PermanentDeliveryError, match="HTTP 307"):
        twilio(fake_provider).send(to="+40722123456", sender="Hostico", text="x")
    assert [req["path"] for req in fake_provider.requests] == [f"/2010-04-01/Accounts/{SID}/Messages.json"]


def test_an_answer_that_is_not_json_is_classified_by_its_status(fake_provider):
    fake_provider.default = (502, b"<html><body>Bad Gateway</body></html>", {})
    with pytest.raises(TemporaryDeliveryError, match="HTTP 502"):
        twilio(fake_provider).send(to="+40722123456", sender="Hostico", text="x")


def test_a_provider_url_that_is_not_http_is_a_configuration_error():
    with pytest.raises(ValueError, match="HOSTICO_SMS_API_URL"):
        TwilioProvider(account_sid=SID, auth_token="t", base_url="ftp://sms.example.com")


def test_smso_posts_the_documented_form_with_the_api_key_header(fake_provider):
    fake_provider.default = (200, {"status": 200, "responseToken": "aaaa-bbbb"}, {})
    provider = SmsoProvider(api_key="k-123", sender_id="4", base_url=fake_provider.url)
    assert provider.send(to="+40722123456", sender="Hostico", text="Salut") == "aaaa-bbbb"
    req = fake_provider.requests[0]
    assert req["path"] == "/api/v1/send"
    assert req["form"] == {"to": "+40722123456", "sender": "4", "body": "Salut"}
    assert req["headers"]["X-Authorization"] == "k-123"


@pytest.mark.parametrize(("status", "error"), [(400, PermanentDeliveryError), (402, TemporaryDeliveryError),
                                               (401, TemporaryDeliveryError), (502, TemporaryDeliveryError),
                                               (429, TemporaryDeliveryError)])
def test_smso_error_classes(fake_provider, status, error):
    fake_provider.default = (status, {"status": status, "message": "nope"}, {})
    with pytest.raises(error):
        SmsoProvider(api_key="k", sender_id="4", base_url=fake_provider.url).send(to="+40722123456", sender="H",
                                                                                 text="x")


def test_unreachable_provider_is_temporary():
    provider = SmsoProvider(api_key="k", sender_id="4", base_url="http://127.0.0.1:1")
    with pytest.raises(TemporaryDeliveryError, match="connection"):
        provider.send(to="+40722123456", sender="H", text="x")


def test_backend_is_chosen_by_setting(tmp_path):
    assert get_provider(NotifySettings(sms_backend="log")).name == "log"
    assert get_provider(NotifySettings(sms_backend="file", sms_file=str(tmp_path / "s"))).name == "file"
    assert get_provider(NotifySettings(sms_backend="twilio", sms_account_sid=SID, sms_api_key="t")).name == "twilio"
    with pytest.raises(ValueError, match="HOSTICO_SMS_SENDER_ID"):
        get_provider(NotifySettings(sms_backend="smso", sms_api_key="k"))
    with pytest.raises(ValueError, match="unknown"):
        get_provider(NotifySettings(sms_backend="carrier-pigeon"))

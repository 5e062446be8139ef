"""My Details: contact data, the mobile number and the SMS opt-in (plain POST and htmx)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.models import AuditLog, OutboxMessage
from tests.conftest import reconfigure
from tests.factories import PASSWORD

HX = {"HX-Request": "true"}


def _sms(client, data, htmx=False):
    data.setdefault("csrf_token", client.csrf_token("/my-details"))
    return client.post("/my-details/sms", data=data, headers=HX if htmx else {})


def test_my_details_shows_contact_and_one_way_sms_notice(client, make, login_as):
    customer = make.make_customer(name="Ana Popescu", phone_e164="+40722123456")
    login_as(client, customer)
    html = client.get("/my-details").get_data(as_text=True)
    assert 'value="Ana Popescu"' in html and 'value="+40 722 123 456"' in html
    assert "Messages come from &#34;Hostico&#34;" in html or 'Messages come from "Hostico"' in html
    assert "replies are not read" in html
    assert 'name="sms_opt_in"' in html and 'hx-post="/my-details/sms"' in html


def test_my_details_names_the_configured_sms_sender(app, client, make, login_as):
    reconfigure(app, SMS_SENDER="HostiTest")
    login_as(client, make.make_customer())
    html = client.get("/my-details").get_data(as_text=True)
    assert "HostiTest" in html and "Messages come from &#34;Hostico&#34;" not in html


def test_turning_sms_on_without_javascript_saves_and_redirects(client, session, make, login_as):
    customer = make.make_customer()
    login_as(client, customer)
    resp = _sms(client, {"phone": "0722 123 456", "sms_opt_in": "y"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my-details#contact")
    session.expire_all()
    assert customer.sms_opt_in and customer.phone_e164 == "+40722123456" and customer.sms_consent_at is not None
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "customer.sms_on")).one()
    assert audit.customer_id == customer.id and "722123456" not in str(audit.data)
    assert "SMS notifications are on for +40 722 123 456." in client.get("/my-details").get_data(as_text=True)


def test_turning_sms_on_with_htmx_returns_the_section(client, session, make, login_as):
    customer = make.make_customer()
    login_as(client, customer)
    resp = _sms(client, {"phone": "+40 745 000 111", "sms_opt_in": "y"}, htmx=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="contact"') and "<html" not in html
    assert "SMS notifications: on, to +40 745 000 111." in html
    session.expire_all()
    assert customer.sms_opt_in and customer.phone_e164 == "+40745000111"


@pytest.mark.parametrize(("phone", "error"), [
    ("", "Enter your mobile number to receive SMS notifications."),
    ("021 234 5678", "This is a landline number; SMS need a mobile number."),
    ("0722 12", "Enter a valid mobile number"),
    ("not a number", "Enter a valid mobile number"),
    ("'; DROP TABLE customers; --", "Enter a valid mobile number"),
    ("9" * 300, "Field cannot be longer than 40 characters."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_number_is_refused_at_the_field_and_nothing_is_saved(client, session, make, login_as, phone, error,
                                                                   htmx):
    customer = make.make_customer()
    login_as(client, customer)
    resp = _sms(client, {"phone": phone, "sms_opt_in": "y"}, htmx=htmx)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'<div class="field-error" id="phone-error">{error}' in html
    assert 'aria-invalid="true"' in html
    session.expire_all()
    assert not customer.sms_opt_in and customer.phone_e164 is None and customer.sms_consent_at is None


def test_turning_sms_off_cancels_sms_not_yet_sent(client, session, make, login_as):
    customer = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(customer)
    suspend_service(session, service, reason="abuse", sms_hours="09:00-09:01")  # waits for a window
    session.commit()
    login_as(client, customer)
    resp = _sms(client, {"phone": "+40722123456"}, htmx=True)  # checkbox unticked
    assert resp.status_code == 200
    assert "SMS notifications are off. Messages not yet sent were cancelled." in resp.get_data(as_text=True)
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {(r.channel, r.status) for r in rows} == {("email", "pending"), ("sms", "cancelled")}
    assert not customer.sms_opt_in and customer.sms_consent_at is None
    assert customer.phone_e164 == "+40722123456"  # the number stays; only the SMS stop


def test_changing_the_mobile_number_in_a_non_fresh_session_needs_the_password(client, session, make, login_as):
    customer = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    login_as(client, customer)
    with client.session_transaction() as sess:
        sess["_fresh"] = False  # as after a mail-link login
    resp = _sms(client, {"phone": "0745 000 111", "sms_opt_in": "y"}, htmx=True)
    assert resp.status_code == 422
    assert "Enter your current password to change your email or mobile number." in resp.get_data(as_text=True)
    session.expire_all()
    assert customer.phone_e164 == "+40722123456"
    resp = _sms(client, {"phone": "0745 000 111", "sms_opt_in": "y", "password": "wrong"}, htmx=True)
    assert resp.status_code == 422
    from tests.factories import PASSWORD

    resp = _sms(client, {"phone": "0745 000 111", "sms_opt_in": "y", "password": PASSWORD}, htmx=True)
    assert resp.status_code == 200
    session.expire_all()
    assert customer.phone_e164 == "+40745000111"


def test_ticking_sms_alone_in_a_non_fresh_session_does_not_ask_for_the_password(client, session, make, login_as):
    customer = make.make_customer(phone_e164="+40722123456")
    login_as(client, customer)
    with client.session_transaction() as sess:
        sess["_fresh"] = False
    assert _sms(client, {"phone": "+40 722 123 456", "sms_opt_in": "y"}).status_code == 303
    session.expire_all()
    assert customer.sms_opt_in


def test_contact_update_saves_the_name_and_asks_the_new_address_to_confirm(client, session, make, login_as):
    customer = make.make_customer(name="Old Name", email="ana.old@example.com")
    login_as(client, customer)
    resp = client.post_form("/my-details/contact", {"name": "Ana <b>Pop</b>", "email": "ana.new@example.com",
                                                    "password": PASSWORD}, token_from="/my-details")
    assert resp.status_code == 303
    page = client.get("/my-details")  # this session still works
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ana &lt;b&gt;Pop&lt;/b&gt;" in body
    assert "We sent a confirmation link to ana.new@example.com." in body
    session.expire_all()
    assert (customer.name, customer.email) == ("Ana <b>Pop</b>", "ana.old@example.com")  # not before confirming
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "email_change_confirm")).one()
    assert sent.recipient == "ana.new@example.com"


def test_changing_email_in_a_non_fresh_session_needs_the_password(client, session, make, login_as):
    customer = make.make_customer()
    login_as(client, customer)
    with client.session_transaction() as sess:
        sess["_fresh"] = False
    resp = client.post("/my-details/contact", data={"csrf_token": client.csrf_token("/my-details"),
                                                    "name": customer.name, "email": "x@example.com"})
    assert resp.status_code == 422
    assert "Enter your current password" in resp.get_data(as_text=True)
    session.expire_all()
    assert customer.email != "x@example.com"


def test_contact_posts_need_csrf_and_a_login(client, make, login_as):
    anonymous = client.post_form("/my-details/sms", {"phone": "0722123456", "sms_opt_in": "y"}, token_from="/login")
    assert anonymous.status_code == 401
    customer = make.make_customer()
    login_as(client, customer)
    assert client.post("/my-details/sms", data={"phone": "0722123456", "sms_opt_in": "y"}).status_code == 400
    assert client.post("/my-details/contact", data={"name": "x", "email": "x@example.com"},
                       headers=HX).status_code == 400


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=st.text(max_size=60), opt_in=st.booleans())
def test_odd_phone_input_never_breaks_the_form(client, make, login_as, phone, opt_in):
    if not getattr(client, "_logged_in", False):
        login_as(client, make.make_customer())
        client._logged_in = True
    data = {"phone": phone, **({"sms_opt_in": "y"} if opt_in else {})}
    resp = _sms(client, data, htmx=True)
    if "\x00" in phone:  # the app-wide guard refuses NUL bytes in form posts before any view runs
        assert resp.status_code == 400
        return
    assert resp.status_code in (200, 422)
    if resp.status_code == 422:
        assert 'class="field-error"' in resp.get_data(as_text=True)

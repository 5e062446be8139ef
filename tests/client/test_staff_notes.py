"""A staff member's note on a suspension stays inside: the customer's pages, email and SMS never carry it."""

from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.models import OutboxMessage, utcnow
from hostico.notify.render import render
from hostico.notify.settings import NotifySettings


def test_a_suspension_note_is_never_shown_to_the_customer(app, client, session, make, login_as):
    customer = make.make_customer(language="ro", phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(customer, domain="abuz.ro")
    suspend_service(session, service, reason="abuse", note="Kit de phishing, raportat de CERT-RO (intern)",
                    actor_kind="staff", actor_id=make.make_staff().id)
    session.commit()
    login_as(client, customer)
    for url in ("/services", f"/services/{service.id}", "/"):
        body = client.get(url + "?lang=ro", follow_redirects=True).get_data(as_text=True)
        assert "CERT-RO" not in body, url
    assert "abuz" in client.get(f"/services/{service.id}?lang=ro").get_data(as_text=True)
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.service_id == service.id)):
        assert "CERT-RO" not in str(message.context)
        rendered = render(session, message, NotifySettings(), utcnow())
        assert "CERT-RO" not in str(rendered)

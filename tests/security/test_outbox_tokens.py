"""docs/security.md item 11: a link token that confirms by itself (the email-change confirmation) is shown in
/staff/outbox as a placeholder, in the text part and in the HTML preview alike."""

from __future__ import annotations

from sqlalchemy import select

from hostico.models import OutboxMessage
from tests.factories import PASSWORD


def test_staff_read_an_email_change_confirmation_without_its_token(app, client, make, login_as, login_staff,
                                                                   session, deliver):
    customer = make.make_customer(name="Schimbă Adresa")
    login_as(client, customer)
    resp = client.post_form("/my-details/contact", {"name": customer.name, "email": "noua@example.com",
                                                    "password": PASSWORD},
                            headers={"HX-Request": "true"}, token_from="/my-details")
    assert resp.status_code == 200
    deliver()
    session.expire_all()
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.event == "email_change_confirm"))
    token = msg.context["token"]
    assert token in msg.body_text  # what the customer's mailbox gets
    staff = app.test_client()
    login_staff(staff, make.make_staff(role="support"))
    page = staff.get(f"/staff/outbox/{msg.id}").get_data(as_text=True)
    html = staff.get(f"/staff/outbox/{msg.id}/html").get_data(as_text=True)
    for shown in (page, html):
        assert token not in shown and "/my-details/email/confirm/[redacted]" in shown
    assert "stands for a confirmation link" in page

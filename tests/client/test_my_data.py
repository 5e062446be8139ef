"""My Details — "Download my data" (docs/accounts.md): a ZIP with the account's data as JSON and every invoice's
PDF, only for a fresh password, audited, and never another customer's data or a secret."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from sqlalchemy import select, update

from hostico.models import AuditLog, Customer, UserSession
from tests.factories import PASSWORD


def _download(client):
    return client.post_form("/my-details/data/download", token_from="/my-details")


def test_the_zip_holds_the_account_profiles_services_invoices_consents_sessions_and_pdfs(
        client, make, login_as, session):
    customer = make.make_customer(name="Maria Export", phone_e164="+40722111222", sms_opt_in=True,
                                  sms_consent_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    service = make.make_service(customer, domain="maria.example")
    proforma = make.make_proforma(customer, service=service)
    other = make.make_customer(name="Altcineva Străin")
    make.make_proforma(other, service=make.make_service(other, domain="strain.example"))
    login_as(client, customer)
    resp = _download(client)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    data = json.loads(archive.read("hostico-data.json"))
    assert data["account"]["email"] == customer.email and data["account"]["name"] == "Maria Export"
    assert [p["name"] for p in data["billing_profiles"]] == ["Maria Export"]
    assert [s["domain"] for s in data["services"]] == ["maria.example"]
    assert [i["code"] for i in data["invoices"]] == [proforma.code] and data["invoices"][0]["lines"]
    assert data["consents"]["sms_notifications"] == {"given": True, "at": "2026-03-01T09:30:00+00:00",
                                                     "phone": "+40722111222"}
    assert len(data["sessions"]) == 1 and data["sessions"][0]["ip"] == "127.0.0.1"
    assert archive.read(f"invoices/{proforma.code}.pdf").startswith(b"%PDF")
    raw = archive.read("hostico-data.json").decode()
    for secret in ("password_hash", "totp_secret", "token_hash", customer.password_hash, "strain.example",
                   "Altcineva"):
        assert secret not in raw
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "customer.data_exported"))
    assert entry.customer_id == customer.id and entry.data == {"invoices": 1}


def test_a_session_that_is_not_fresh_confirms_the_password_first(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    session.execute(update(UserSession).values(fresh_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)))
    session.commit()
    resp = _download(client)
    assert resp.status_code == 303 and resp.headers["Location"] == "/my-details#security"
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.data_exported")) is None
    client.post_form("/my-details/security/confirm", {"confirm_password": PASSWORD}, token_from="/my-details")
    assert _download(client).status_code == 200


def test_the_download_is_a_post_with_csrf(client, make, login_as):
    login_as(client, make.make_customer())
    assert client.get("/my-details/data/download").status_code == 405
    assert client.post("/my-details/data/download").status_code == 400


def test_my_details_offers_the_download_in_romanian(client, make, login_as, session):
    customer = make.make_customer(language="ro")
    session.execute(update(Customer).where(Customer.id == customer.id).values(language="ro"))
    session.commit()
    login_as(client, customer)
    page = client.get("/my-details?lang=ro").get_data(as_text=True)
    assert "Descărcați datele mele" in page

"""Correct and resend (issue 22 item 3): a blocked or refused document is corrected (buyer typed by staff, seller
from the current settings) and uploaded again under the same number and date; the invoice never changes."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree
from sqlalchemy import select

from hostico.efactura.documents import CorrectedInvoice, load_invoice
from hostico.efactura.jobs import sync
from hostico.efactura.operations import EfacturaRefused, correct
from hostico.models import AuditLog, EfacturaCorrection, EfacturaDocument, EfacturaUpload, Invoice
from tests.conftest import reconfigure

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
NO_SECTOR = "Str. Exemplu nr. 1, București, 010101, România"
FIXED = "Str. Exemplu nr. 1, București, Sector 1, 010101, România"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


def seller_city(xml: bytes) -> str:
    root = etree.fromstring(xml)
    return root.find(f"{CAC}AccountingSupplierParty/{CAC}Party/{CAC}PostalAddress/{CBC}CityName").text


def document(session, invoice) -> EfacturaDocument:
    session.expire_all()
    return session.scalar(select(EfacturaDocument).where(EfacturaDocument.invoice_id == invoice.id))


@pytest.fixture
def seller_without_sector(app, anaf_config):
    """The issue's case: the seller's address is in Bucharest but names no sector (BR-RO-100)."""
    reconfigure(app, SELLER_ADDRESS=NO_SECTOR)
    return app.config


@pytest.fixture
def blocked(seller_without_sector, issue, session_factory, session):
    invoice, _ = issue("ro_company")
    sync(session_factory, seller_without_sector, now=T0)
    doc = document(session, invoice)
    assert doc.state == "pending" and [f["rule"] for f in doc.findings] == ["BR-RO-100"]
    return invoice


@pytest.fixture
def staff(client, make, login_staff):
    def do(role="admin"):
        login_staff(client, make.make_staff(role=role))
        return client
    return do


def upload_until_decided(session_factory, config, start):
    for minutes in (0, 2, 10):
        sync(session_factory, config, now=start + dt.timedelta(minutes=minutes))


def test_resend_after_the_seller_setting_is_fixed_uploads_the_refreshed_seller(app, blocked, staff, session,
                                                                                session_factory, anaf_config):
    client = staff("billing")
    resp = client.post_form(f"/staff/efactura/{blocked.code}/resend", {}, token_from="/staff/efactura")
    assert resp.status_code == 303
    assert document(session, blocked).findings  # the setting is still wrong: still blocked
    reconfigure(app, SELLER_ADDRESS=FIXED)
    resp = client.post_form(f"/staff/efactura/{blocked.code}/resend", {}, token_from="/staff/efactura")
    doc = document(session, blocked)
    assert doc.findings is None and seller_city(doc.xml) == "SECTOR1"
    upload_until_decided(session_factory, anaf_config, T0 + dt.timedelta(minutes=5))
    doc = document(session, blocked)
    assert doc.state == "ok"
    # the invoice is immutable: its snapshot keeps what was issued; the document carries the correction
    assert session.get(Invoice, blocked.id).seller["address"] == NO_SECTOR
    assert doc.seller["address"] == FIXED
    correction = session.scalar(select(EfacturaCorrection).where(EfacturaCorrection.document_id == doc.id))
    assert correction.actor_id is not None and correction.state_before == "pending"
    assert correction.seller_before["address"] == NO_SECTOR and correction.seller_after["address"] == FIXED
    assert seller_city(correction.xml_before) != "SECTOR1"  # the blocked XML is kept
    assert seller_city(correction.xml_after) == "SECTOR1" and correction.buyer_after is None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "efactura.corrected"))
    assert entry.actor_kind == "staff" and entry.data["seller"]["after"]["address"] == FIXED


def test_sync_rebuilds_a_blocked_document_from_the_fixed_seller_and_uploads_it(app, blocked, session,
                                                                               session_factory, anaf_config):
    reconfigure(app, SELLER_ADDRESS=FIXED)
    upload_until_decided(session_factory, anaf_config, T0 + dt.timedelta(hours=2))  # past the blocked re-check
    doc = document(session, blocked)
    assert doc.state == "ok" and doc.findings is None
    assert seller_city(doc.xml) == "SECTOR1"
    correction = session.scalar(select(EfacturaCorrection).where(EfacturaCorrection.document_id == doc.id))
    assert correction.actor_id is None and correction.seller_after["address"] == FIXED
    assert session.scalar(select(AuditLog.actor_kind).where(AuditLog.action == "efactura.corrected")) == "system"


@pytest.fixture
def refused(anaf, anaf_config, issue, session_factory, session):
    """A document SPV refused (nok) for its buyer's name."""
    anaf.spv.validator = lambda xml: ["E: [BR-RO-120] simulated refusal"] if b"Capitala SRL" in xml else []
    invoice, _ = issue("ro_company_bucharest")
    upload_until_decided(session_factory, anaf_config, T0)
    assert document(session, invoice).state == "nok"
    return invoice


def correction_form(**changes) -> dict:
    form = dict(kind="company", company_name="Capitala Grup SRL", cui="18547290", reg_com="J40/1/2000",
                vat_number="", address="Bd. Unirii nr. 1", county="RO-B", sector="SECTOR3", city="",
                postal_code="030167", country="RO")
    form.update(changes)
    return form


def test_staff_correct_a_refused_buyer_and_it_is_uploaded_again_under_the_same_number(
        refused, staff, session, session_factory, anaf_config, client):
    url = f"/staff/efactura/{refused.code}/correct"
    page = staff("billing").get("/staff/efactura").get_data(as_text=True)
    assert url in page
    form = client.get(url).get_data(as_text=True)
    assert 'value="Capitala SRL"' in form and "csrf_token" in form
    before = document(session, refused)
    xml_before = before.xml
    resp = client.post_form(url, correction_form(), token_from=url)
    assert resp.status_code == 303
    doc = document(session, refused)
    assert doc.state == "pending" and doc.anaf_messages is None and doc.upload_index is None
    assert b"Capitala Grup SRL" in doc.xml
    upload_until_decided(session_factory, anaf_config, T0 + dt.timedelta(minutes=30))
    doc = document(session, refused)
    assert doc.state == "ok"
    root = etree.fromstring(doc.xml)
    assert root.findtext(f"{CBC}ID") == refused.code  # same number and date
    assert root.findtext(f"{CBC}IssueDate") == refused.issue_date.isoformat()
    uploads = session.scalars(select(EfacturaUpload).where(EfacturaUpload.document_id == doc.id)
                              .order_by(EfacturaUpload.id)).all()
    assert [u.stare for u in uploads] == ["nok", "ok"]  # the refused upload stays
    correction = session.scalar(select(EfacturaCorrection).where(EfacturaCorrection.document_id == doc.id))
    assert correction.state_before == "nok" and correction.xml_before == xml_before
    assert correction.buyer_before["company_name"] == "Capitala SRL"
    assert correction.buyer_after["company_name"] == "Capitala Grup SRL"
    assert correction.overdue  # 27 November has passed: still allowed, flagged
    assert session.get(Invoice, refused.id).buyer["company_name"] == "Capitala SRL"  # the invoice never changes


def test_correct_shows_errors_at_the_field_and_changes_nothing(refused, staff, session, client):
    url = f"/staff/efactura/{refused.code}/correct"
    staff("admin")
    resp = client.post_form(url, correction_form(cui="18547291", sector=""), token_from=url)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'id="correct-{refused.code}-cui-error"' in page
    assert f'id="correct-{refused.code}-sector-error"' in page
    assert "nothing was saved" in page
    assert document(session, refused).state == "nok"
    assert session.scalar(select(EfacturaCorrection.id)) is None
    # htmx: the form alone comes back, swapped in place
    resp = client.post_form(url, correction_form(cui="18547291"), token_from=url, headers={"HX-Request": "true"})
    assert resp.status_code == 422 and "<html" not in resp.get_data(as_text=True)
    resp = client.post_form(url, correction_form(), token_from=url, headers={"HX-Request": "true"})
    assert resp.headers["HX-Redirect"].endswith(f"/staff/efactura?number={refused.code}")


def test_correct_is_post_csrf_and_role_checked(refused, staff, client, session):
    url = f"/staff/efactura/{refused.code}/correct"
    staff("support")
    assert client.get(url).status_code == 403
    staff("billing")
    assert client.post(url, data=correction_form()).status_code == 400  # no CSRF token
    assert document(session, refused).state == "nok"


def test_a_correction_cannot_change_who_the_buyer_is(refused, staff, client, session):
    url = f"/staff/efactura/{refused.code}/correct"
    staff("admin")
    resp = client.post_form(url, correction_form(country="DE", county="", sector="", city="Berlin",
                                                 cui="DE136695976", vat_number="DE136695976"), token_from=url)
    assert resp.status_code == 422
    assert f'id="correct-{refused.code}-country-error"' in resp.get_data(as_text=True)
    assert document(session, refused).state == "nok"


def test_the_romanian_correct_page(refused, staff, client):
    url = f"/staff/efactura/{refused.code}/correct"
    staff("admin")
    page = client.get(url, headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "Corectați și încărcați din nou" in page


def test_correction_before_the_deadline_is_not_overdue_and_ok_or_uploaded_refused(blocked, session, app):
    doc = document(session, blocked)
    fixed = {**blocked.seller, "address": FIXED}
    correction = correct(session, doc, buyer=None, seller=fixed, now=T0, today=dt.date(2026, 11, 21),
                         actor_id=None)
    assert correction is not None and not correction.overdue and doc.findings is None
    doc.state = "ok"
    with pytest.raises(EfacturaRefused):
        correct(session, doc, buyer=None, seller=fixed, now=T0, today=dt.date(2026, 11, 21), actor_id=None)


def test_the_reported_invoice_is_read_only(blocked, session):
    invoice = load_invoice(session, blocked.id)
    reported = CorrectedInvoice(invoice, seller={"name": "X"}, buyer=None)
    assert reported.seller == {"name": "X"} and reported.buyer == invoice.buyer and reported.code == invoice.code
    with pytest.raises(AttributeError):
        reported.seller = {}

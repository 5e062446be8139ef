"""An invoice's history speaks the reader's language: what the system notes is a code and parameters,
translated when shown; what a person typed (a reason) is shown as typed."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import create_engine, select, text

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.payments import record_payment
from hostico.db import upgrade
from hostico.migrations.versions import fiscal_buyer_1 as migration
from hostico.models import Invoice


def _history(body: str) -> str:
    return body[body.index('id="history-h"'):]


def _paid(make, session, settings, language):
    c = make.make_customer(language=language)
    proforma = make.make_proforma(c, profile=make.make_profile(c))
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=dt.date.today(), received_on=dt.date.today(), reference="OP 1")
    session.commit()
    return c, proforma, session.get(Invoice, payment.tax_invoice_id).code


def test_the_tax_invoice_history_names_its_proforma_in_romanian(client, session, make, settings, login_as):
    c, proforma, tax = _paid(make, session, settings, "ro")
    login_as(client, c)
    history = _history(client.get(f"/invoices/{tax}?lang=ro").get_data(as_text=True))
    assert f"din proforma {proforma.code}" in history
    assert "from " not in history
    history = _history(client.get(f"/invoices/{proforma.code}?lang=ro").get_data(as_text=True))
    assert f"transfer bancar; factura fiscală {tax}" in history
    assert "bank_transfer" not in history and "tax invoice" not in history


def test_the_same_history_reads_in_english(client, session, make, settings, login_as):
    c, proforma, tax = _paid(make, session, settings, "en")
    login_as(client, c)
    assert f"from {proforma.code}" in _history(client.get(f"/invoices/{tax}?lang=en").get_data(as_text=True))
    assert f"bank transfer; tax invoice {tax}" in _history(
        client.get(f"/invoices/{proforma.code}?lang=en").get_data(as_text=True))


def test_staff_read_the_history_in_their_language_with_the_reason_typed(client, session, make, settings,
                                                                         login_staff):
    _c, _proforma, tax = _paid(make, session, settings, "en")
    invoice = session.scalars(select(Invoice).where(Invoice.code == tax)).one()
    staff = make.make_staff()
    note = credit_tax_invoice(session, invoice, settings=settings, today=dt.date.today(), reason="Preț greșit",
                              staff_id=staff.id)
    session.commit()
    login_staff(client, staff)
    page = client.get(f"/staff/invoices/{tax}?lang=ro").get_data(as_text=True)
    assert f"factura de stornare {note.code}: Preț greșit" in page


def test_the_migration_turns_the_systems_english_notes_into_codes():
    assert migration.converted_note("issued", "from HPF-000002") == ("from_proforma", {"proforma": "HPF-000002"}, None)
    assert migration.converted_note("paid", "card; tax invoice HST-000007") == (
        "paid_with", {"method": "card", "tax": "HST-000007"}, None)
    assert migration.converted_note("credited", "HCN-000001: wrong price: 10 lei") == (
        "credited_by", {"invoice": "HCN-000001"}, "wrong price: 10 lei")
    assert migration.converted_note("created", "system: renewal") == ("renewal", {}, "system")
    # A reason typed by a person stays as typed, even one that looks like the system's words.
    assert migration.converted_note("issued", "from the customer's request") is None
    assert migration.converted_note("cancelled", "duplicate order") is None


def test_upgrade_converts_the_notes_already_stored(fresh_database):
    url = fresh_database()
    upgrade(url, migration.down_revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, password_hash, name, sms_opt_in, language, session_epoch,"
                          " totp_enabled, created_at) VALUES (1, 'a@example.com', 'x', 'A', false, 'ro', 0, false,"
                          " CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO invoices (id, customer_id, kind, series, number, code, status, origin, issue_date,"
            " currency, buyer, seller, reverse_charge, subtotal, vat_total, total, version, created_at)"
            " VALUES (1, 1, 'tax', 'HST', 1, 'HST-000001', 'issued', 'order', '2026-11-01', 'RON',"
            " '{}', '{}', false, 0, 0, 0, 1, CURRENT_TIMESTAMP)"))
        for id_, action, note in ((1, "issued", "from HPF-000002"), (2, "cancelled", "duplicate order")):
            conn.execute(text("INSERT INTO invoice_events (id, invoice_id, at, actor_kind, action, note)"
                              " VALUES (:id, 1, CURRENT_TIMESTAMP, 'system', :action, :note)"),
                         {"id": id_, "action": action, "note": note})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, note, note_code, note_params FROM invoice_events ORDER BY id")).all()
    engine.dispose()
    params = rows[0][3] if isinstance(rows[0][3], dict) else json.loads(rows[0][3])
    assert (rows[0][1], rows[0][2], params) == (None, "from_proforma", {"proforma": "HPF-000002"})
    assert tuple(rows[1][1:]) == ("duplicate order", None, None)


def test_staff_notes_on_credit_notes_stay_inside(client, session, make, settings, login_as):
    c, _proforma, tax = _paid(make, session, settings, "ro")
    invoice = session.scalars(select(Invoice).where(Invoice.code == tax)).one()
    note = credit_tax_invoice(session, invoice, settings=settings, today=dt.date.today(),
                              reason="Clientul e dificil, atenție", staff_id=make.make_staff().id)
    session.commit()
    login_as(client, c)
    for code in (tax, note.code):
        history = _history(client.get(f"/invoices/{code}?lang=ro").get_data(as_text=True))
        assert "Clientul e dificil" not in history
    assert f"factura de stornare {note.code}" in _history(client.get(f"/invoices/{tax}?lang=ro").get_data(as_text=True))
    assert f"corectează {tax}" in _history(client.get(f"/invoices/{note.code}?lang=ro").get_data(as_text=True))


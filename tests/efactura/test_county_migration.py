"""The migration turns free-text counties into ISO 3166-2:RO codes and Bucharest's sector into the city."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from hostico.db import upgrade
from hostico.migrations.versions import efactura_docs_1 as migration


@pytest.mark.parametrize(("before", "after"), [
    (("Brașov", "Brașov", "Str. A 1", "RO"), {"county": "RO-BV", "city": "Brașov"}),
    (("jud. Cluj", "Cluj-Napoca", "Str. A 1", "RO"), {"county": "RO-CJ", "city": "Cluj-Napoca"}),
    (("Bucuresti", "București", "Bd. Unirii 1, Sector 3", "RO"), {"county": "RO-B", "city": "SECTOR3"}),
    (("București", "Sector 6", "Str. A 1", "RO"), {"county": "RO-B", "city": "SECTOR6"}),
    (("RO-TM", "Timișoara", "Str. A 1", "RO"), None),
    (("Atlantis", "X", "Str. A 1", "RO"), None),
    (("Bayern", "München", "Str. A 1", "DE"), None),
])
def test_free_text_county_becomes_its_code(before, after):
    assert migration.normalised(*before) == after


def test_upgrade_converts_profiles_and_unpaid_proformas_but_not_issued_documents(fresh_database):
    url = fresh_database()
    upgrade(url, migration.down_revision)  # the schema just before this migration
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, password_hash, name, sms_opt_in, locale, session_epoch,"
                          " totp_enabled, created_at) VALUES (1, 'a@example.com', 'x', 'A', false, 'ro', 0, false,"
                          " CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO billing_profiles (id, customer_id, kind, name, address, city, county, country,"
                          " is_default, approval, used_for_invoicing, created_at) VALUES (1, 1, 'person',"
                          " 'A', 'Bd. Unirii 1, Sector 3', 'Bucuresti', 'Bucuresti', 'RO', true, 'approved', false,"
                          " CURRENT_TIMESTAMP)"))
        buyer = '{"kind": "person", "name": "A", "address": "Str. A", "city": "Brasov", "county": "Brasov", ' \
                '"country": "RO"}'
        for id_, kind, status, series in ((1, "proforma", "unpaid", "HPF"), (2, "tax", "issued", "HST")):
            conn.execute(text(
                "INSERT INTO invoices (id, customer_id, kind, series, number, code, status, origin, issue_date,"
                " currency, buyer, seller, reverse_charge, subtotal, vat_total, total, version, created_at)"
                " VALUES (:id, 1, :kind, :series, 1, :code, :status, 'order', '2026-11-01', 'RON',"
                " :buyer, '{}', false, 0, 0, 0, 1, CURRENT_TIMESTAMP)"),
                {"id": id_, "kind": kind, "series": series, "code": f"{series}-1", "status": status, "buyer": buyer})
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT county, city FROM billing_profiles")).one() == ("RO-B", "SECTOR3")
        buyers = dict(conn.execute(text("SELECT kind, buyer FROM invoices")).all())
    engine.dispose()
    unpaid = buyers["proforma"] if isinstance(buyers["proforma"], dict) else json.loads(buyers["proforma"])
    issued = buyers["tax"] if isinstance(buyers["tax"], dict) else json.loads(buyers["tax"])
    assert unpaid["county"] == "RO-BV" and issued["county"] == "Brasov"

"""The migration to send-time links takes the live tokens out of emails already stored (docs/mail-login.md)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from hostico.db import upgrade
from hostico.migrations.versions import accounts_holes_1 as migration

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_upgrade_replaces_stored_tokens_by_the_placeholder_and_revokes_their_links(fresh_database):
    url = fresh_database()
    upgrade(url, migration.down_revision)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, password_hash, name, sms_opt_in, language,"
                          " session_epoch, totp_enabled, created_at) VALUES (1, 'a@example.com', 'x', 'A', false,"
                          " 'ro', 0, false, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO invoices (id, customer_id, kind, series, number, code, status, origin, issue_date,"
            " currency, buyer, seller, reverse_charge, subtotal, vat_total, total, version, created_at)"
            " VALUES (1, 1, 'proforma', 'HPF', 1, 'HPF-1', 'unpaid', 'order', '2026-11-01', 'RON',"
            " '{}', '{}', false, 0, 0, 0, 1, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO outbox (id, channel, event, dedupe_key, customer_id, invoice_id, recipient, template,"
            " context, body_text, body_html, status, attempts, next_attempt_at, created_at) VALUES (1, 'email',"
            " 'proforma_order', 'k1', 1, 1, 'a@example.com', 'proforma_order', '{}', :text, :html, 'sent', 1,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"text": f"Proforma HPF-1:\nhttps://billing.example/m/{TOKEN}\n",
             "html": f'<a href="https://billing.example/m/{TOKEN}" style="x">HPF-1</a> /m/ in prose stays'})
        conn.execute(text(
            "INSERT INTO mail_login_tokens (id, jti, customer_id, invoice_id, outbox_message_id, expires_at,"
            " use_count, created_at) VALUES (1, 'j1', 1, 1, 1, '2999-01-01 00:00:00', 0, '2026-11-01 10:00:00')"))
    upgrade(url)
    with engine.connect() as conn:
        body_text, body_html = conn.execute(text("SELECT body_text, body_html FROM outbox")).one()
        revoked_reason, accepted_at = conn.execute(
            text("SELECT revoked_reason, accepted_at FROM mail_login_tokens")).one()
    engine.dispose()
    assert TOKEN not in body_text and TOKEN not in body_html
    assert body_text == "Proforma HPF-1:\n[[mail-login-link]]\n"
    assert body_html == '<a href="[[mail-login-link]]" style="x">HPF-1</a> /m/ in prose stays'
    assert revoked_reason == "token_stored" and accepted_at is not None

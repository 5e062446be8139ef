"""mail-login links made when an email is sent: no live token in stored emails; 7 days from SMTP acceptance

- `mail_login_tokens.accepted_at`: when the SMTP server accepted the email carrying the link; `expires_at`
  becomes nullable (a link waiting for its email to be accepted logs nobody in). Existing links counted
  as accepted when they were made (the old rule).
- At most one unrevoked link per outbox email (every attempt to send it reuses the same link).
- Stored email bodies lose their `/m/<token>` URLs: replaced by the placeholder the worker fills when it
  sends. The links whose tokens were stored are revoked: staff could read them and every backup holds
  them (docs/mail-login.md). A customer who follows one gets the login page, then the invoice.

Revision ID: accounts_holes_1
Revises: i18n_1
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "accounts_holes_1"
down_revision = "i18n_1"
branch_labels = None
depends_on = None

PLACEHOLDER = "[[mail-login-link]]"
LINK = re.compile(r"https?://[^\s\"'<>]*?/m/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def upgrade() -> None:
    with op.batch_alter_table("mail_login_tokens") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=True)
    op.execute("UPDATE mail_login_tokens SET accepted_at = created_at")

    conn = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("body_text", sa.Text),
                      sa.column("body_html", sa.Text))
    rows = conn.execute(sa.select(outbox.c.id, outbox.c.body_text, outbox.c.body_html).where(
        sa.or_(outbox.c.body_text.like("%/m/%"), outbox.c.body_html.like("%/m/%")))).all()
    for row in rows:
        text = LINK.sub(PLACEHOLDER, row.body_text) if row.body_text else row.body_text
        html = LINK.sub(PLACEHOLDER, row.body_html) if row.body_html else row.body_html
        if (text, html) != (row.body_text, row.body_html):
            conn.execute(sa.update(outbox).where(outbox.c.id == row.id).values(body_text=text, body_html=html))
    op.execute("UPDATE mail_login_tokens SET revoked_at = CURRENT_TIMESTAMP, revoked_reason = 'token_stored' "
               "WHERE revoked_at IS NULL AND outbox_message_id IS NOT NULL")

    with op.batch_alter_table("mail_login_tokens") as batch:
        batch.create_index("uq_mail_login_tokens_live_per_message", ["outbox_message_id"], unique=True,
                           sqlite_where=sa.text("revoked_at IS NULL"),
                           postgresql_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table("mail_login_tokens") as batch:
        batch.drop_index("uq_mail_login_tokens_live_per_message")
    # Links still waiting for their email are dead under the old rules (they had no expiry).
    op.execute("UPDATE mail_login_tokens SET expires_at = created_at WHERE expires_at IS NULL")
    with op.batch_alter_table("mail_login_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.drop_column("accepted_at")

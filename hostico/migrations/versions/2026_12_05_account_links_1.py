"""account links: records of password-reset, sign-up and invitation links; a customer's verified address

Accounts can now be opened at /signup and by staff, and passwords reset (docs/accounts.md). The links those emails
carry are recorded hashed in account_tokens (the worker makes each token when it sends the email). A customer
whose address is not proven yet (sign-up link not opened, invitation not accepted) has no email_verified_at;
every existing customer counts as verified since the account was made.

Revision ID: account_links_1
Revises: account_closure_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "account_links_1"
down_revision = "account_closure_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    customers = sa.table("customers", sa.column("created_at"), sa.column("email_verified_at"))
    op.execute(customers.update().values(email_verified_at=customers.c.created_at))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("valid_minutes", sa.Integer(), nullable=False),
        sa.Column("minted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("purpose IN ('password_reset', 'signup', 'invitation')",
                           name=op.f("ck_account_tokens_purpose")),
        sa.CheckConstraint("(customer_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_account_tokens_one_owner")),
        sa.CheckConstraint("valid_minutes > 0", name=op.f("ck_account_tokens_valid_minutes_positive")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name=op.f("fk_account_tokens_customer_id_customers")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], ondelete="CASCADE",
                                name=op.f("fk_account_tokens_staff_id_staff_users")),
        sa.ForeignKeyConstraint(["outbox_message_id"], ["outbox.id"],
                                name=op.f("fk_account_tokens_outbox_message_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("outbox_message_id", name=op.f("uq_account_tokens_outbox_message_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    with op.batch_alter_table("account_tokens") as batch:
        batch.create_index(batch.f("ix_account_tokens_customer_id"), ["customer_id"], unique=False)
        batch.create_index(batch.f("ix_account_tokens_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_table("account_tokens")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("email_verified_at")

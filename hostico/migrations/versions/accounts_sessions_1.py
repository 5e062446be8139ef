"""accounts sessions: server-side login sessions (user_sessions)

Revision ID: accounts_sessions_1
Revises: accounts_domain_1
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "accounts_sessions_1"
down_revision = "accounts_domain_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cookies issued before this revision carry no server record: their sessions end (users log in again).
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("mail_link_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fresh_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.CheckConstraint("kind IN ('customer', 'staff')", name=op.f("ck_user_sessions_kind")),
        sa.CheckConstraint("via IN ('password', 'maillink')", name=op.f("ck_user_sessions_via")),
        sa.CheckConstraint("(kind = 'customer' AND customer_id IS NOT NULL AND staff_id IS NULL)"
                           " OR (kind = 'staff' AND staff_id IS NOT NULL AND customer_id IS NULL)",
                           name=op.f("ck_user_sessions_one_owner")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_user_sessions_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_user_sessions_staff_id_staff_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mail_link_id"], ["mail_login_tokens.id"],
                                name=op.f("fk_user_sessions_mail_link_id_mail_login_tokens"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_mail_link_id"), ["mail_link_id"], unique=False)


def downgrade() -> None:
    op.drop_table("user_sessions")

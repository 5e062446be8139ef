"""login throttle: wrong passwords per account and client, for the password login's growing delay

Revision ID: login_throttle_1
Revises: sms_receipts_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "login_throttle_1"
down_revision = "sms_receipts_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttles_failures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_throttles_key_hash")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")

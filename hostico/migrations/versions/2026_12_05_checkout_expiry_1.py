"""checkouts that end: an `expired` state and each checkout's lifetime

A checkout lives as long as the gateway's session (`expires_at`); past it the worker asks the gateway and marks
it paid or expired, and an expired checkout no longer holds its order back from expiry (docs/payments.md,
Checkouts that end). Existing checkouts get the 24 hours the order expiry allowed them so far.

Revision ID: checkout_expiry_1
Revises: credit_1
Create Date: 2026-12-05
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "checkout_expiry_1"
down_revision = "credit_1"
branch_labels = None
depends_on = None

OLD = "status IN ('pending', 'paid', 'failed')"
NEW = "status IN ('pending', 'paid', 'failed', 'expired')"


def upgrade() -> None:
    with op.batch_alter_table("checkouts") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    checkouts = sa.table("checkouts", sa.column("id", sa.Integer()), sa.column("created_at", sa.DateTime()),
                         sa.column("expires_at", sa.DateTime()))
    bind = op.get_bind()
    for row_id, created in bind.execute(sa.select(checkouts.c.id, checkouts.c.created_at)).all():
        # portable date arithmetic (few rows): the typed columns read and write each engine's format
        bind.execute(checkouts.update().where(checkouts.c.id == row_id)
                     .values(expires_at=created + dt.timedelta(hours=24)))
    with op.batch_alter_table("checkouts") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index("ix_checkouts_expires_at", ["expires_at"])
        batch.drop_constraint(op.f("ck_checkouts_status"), type_="check")
        batch.create_check_constraint("status", NEW)


def downgrade() -> None:
    op.execute("UPDATE checkouts SET status = 'failed', failure_code = 'expired' WHERE status = 'expired'")
    with op.batch_alter_table("checkouts") as batch:
        batch.drop_constraint(op.f("ck_checkouts_status"), type_="check")
        batch.create_check_constraint("status", OLD)
        batch.drop_index("ix_checkouts_expires_at")
        batch.drop_column("expires_at")

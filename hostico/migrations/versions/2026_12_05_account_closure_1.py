"""account closure: customers close their account (anonymised, staff may undo for 30 days)

Revision ID: account_closure_1
Revises: login_throttle_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "account_closure_1"
down_revision = "login_throttle_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undo_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("cancelled_orders", sa.Integer(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("undone_at IS NULL OR purged_at IS NULL", name=op.f("ck_account_closures_undone_or_purged")),
        sa.CheckConstraint("purged_at IS NULL OR snapshot IS NULL",
                           name=op.f("ck_account_closures_purged_holds_nothing")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_account_closures_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["undone_by_staff_id"], ["staff_users.id"],
                                name=op.f("fk_account_closures_undone_by_staff_id_staff_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_closures")),
    )
    with op.batch_alter_table("account_closures") as batch:
        batch.create_index(batch.f("ix_account_closures_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("account_closures")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("closed_at")

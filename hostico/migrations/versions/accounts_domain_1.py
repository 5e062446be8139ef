"""customers, staff_users: a counter of wrong second-factor codes in a row and the time of the last one

accounts.second_factor refuses every code (right ones too) for a while after too many wrong ones in a
row, for customers and staff alike; the count lives in the database so every process sees it.

Revision ID: accounts_domain_1
Revises: accounts_holes_2
"""

import sqlalchemy as sa
from alembic import op

revision = "accounts_domain_1"
down_revision = "accounts_holes_2"
branch_labels = None
depends_on = None

TABLES = ("customers", "staff_users")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("second_factor_failures", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("second_factor_failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("second_factor_failed_at")
            batch.drop_column("second_factor_failures")

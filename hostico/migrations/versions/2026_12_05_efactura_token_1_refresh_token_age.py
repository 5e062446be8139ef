"""efactura token: when ANAF's refresh token was obtained (it lives 365 days)

Staff and admins are warned 30 and 7 days before it expires (docs/efactura.md, "Connecting to ANAF"). A
token stored before this column existed counts from when the app was connected.

Revision ID: efactura_token_1
Revises: advances_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "efactura_token_1"
down_revision = "advances_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("anaf_tokens") as batch:
        batch.add_column(sa.Column("refresh_obtained_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE anaf_tokens SET refresh_obtained_at = connected_at WHERE refresh_obtained_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("anaf_tokens") as batch:
        batch.drop_column("refresh_obtained_at")

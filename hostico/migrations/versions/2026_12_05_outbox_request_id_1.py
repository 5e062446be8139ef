"""outbox request id: the request or job that queued each message

A message carries the id of the request (X-Request-ID) or job that queued it, so the worker's log lines about
it can be found with the request's (docs/operations.md, Logs).

Revision ID: outbox_request_id_1
Revises: line_price_rate_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "outbox_request_id_1"
down_revision = "line_price_rate_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("request_id")

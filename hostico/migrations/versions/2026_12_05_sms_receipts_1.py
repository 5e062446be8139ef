"""sms receipts: what the provider says became of each SMS it accepted

Each SMS is `sent` when the provider accepts it, then `delivered`, `failed` or `undelivered` when its status
callback says so, with the time and the provider's code (docs/sms.md, Delivery receipts). Receipts find their
message by the provider's id, hence the index.

Revision ID: sms_receipts_1
Revises: outbox_request_id_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "sms_receipts_1"
down_revision = "outbox_request_id_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("delivery_provider", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("delivery_status", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("delivery_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("delivery_code", sa.String(length=40), nullable=True))
        batch.create_check_constraint(
            "delivery_status",
            "delivery_status IS NULL OR delivery_status IN ('sent', 'delivered', 'failed', 'undelivered')")
        batch.create_index("ix_outbox_provider_message_id", ["provider_message_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_provider_message_id")
        batch.drop_constraint("delivery_status", type_="check")
        batch.drop_column("delivery_code")
        batch.drop_column("delivery_at")
        batch.drop_column("delivery_status")
        batch.drop_column("delivery_provider")

"""checkouts.payment_url: the gateway's page of a checkout, offered again to a second submit

Two "Pay" submits at once opened two payment pages for one proforma, so the customer could be charged
twice (docs/payments.md, Card payments). The second submit now waits for the first and is sent to the same page.

Revision ID: accounts_holes_2
Revises: fiscal_tax_1
"""

import sqlalchemy as sa
from alembic import op

revision = "accounts_holes_2"
down_revision = "fiscal_tax_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkouts", sa.Column("payment_url", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkouts") as batch:
        batch.drop_column("payment_url")

"""advances: the money received so far for each proforma

Any amount received for a proforma is invoiced when it arrives (an advance, art. 282 alin. 2 lit. b Cod
fiscal) and the rest stays due (docs/payments.md, "Advances"). Proformas paid before were paid in full:
their amount paid is their total.

Revision ID: advances_1
Revises: efactura_correct_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "advances_1"
down_revision = "efactura_correct_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("amount_paid", sa.BigInteger(), server_default="0", nullable=False))
    op.execute("UPDATE invoices SET amount_paid = total WHERE kind = 'proforma' AND status = 'paid'")
    with op.batch_alter_table("invoices") as batch:
        batch.create_check_constraint("amount_paid", "amount_paid >= 0 AND (kind = 'proforma' OR amount_paid = 0)")


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint(op.f("ck_invoices_amount_paid"), type_="check")
        batch.drop_column("amount_paid")

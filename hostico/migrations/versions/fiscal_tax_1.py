"""fiscal tax: the VAT treatment of each document (category S / AE / O and its mention) and VIES's
answer kept with each billing profile

Revision ID: fiscal_tax_1
Revises: fiscal_buyer_1
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "fiscal_tax_1"
down_revision = "fiscal_buyer_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("vat_category", sa.String(length=2), server_default="S", nullable=False))
        batch.add_column(sa.Column("vat_mention", sa.String(length=200), nullable=True))
    # Documents issued before: reverse charge was the only treatment without Romanian VAT.
    op.execute("UPDATE invoices SET vat_category = 'AE', vat_mention = 'Taxare inversă' WHERE reverse_charge")
    with op.batch_alter_table("invoices") as batch:
        batch.create_check_constraint("vat_category", "vat_category IN ('S', 'AE', 'O')")
        batch.create_check_constraint("reverse_charge_is_ae", "reverse_charge = (vat_category = 'AE')")
    with op.batch_alter_table("billing_profiles") as batch:
        batch.add_column(sa.Column("vies", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billing_profiles") as batch:
        batch.drop_column("vies")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint(op.f("ck_invoices_reverse_charge_is_ae"), type_="check")
        batch.drop_constraint(op.f("ck_invoices_vat_category"), type_="check")
        batch.drop_column("vat_mention")
        batch.drop_column("vat_category")

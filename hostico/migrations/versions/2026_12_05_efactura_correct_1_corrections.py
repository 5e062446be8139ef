"""efactura correct: a blocked or refused document's corrected seller / buyer, and the corrections kept

A document's XML is built from the invoice's frozen snapshots; a correction (staff, or the seller refreshed
from the settings) is stored on the document (`seller`, `buyer`) and each one kept in `efactura_corrections`
with who, when, before, after and both XMLs (docs/efactura.md, "Correct and resend").

Revision ID: efactura_correct_1
Revises: clean_text_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "efactura_correct_1"
down_revision = "clean_text_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("efactura_documents") as batch:
        batch.add_column(sa.Column("seller", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("buyer", sa.JSON(), nullable=True))
    op.create_table(
        "efactura_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("state_before", sa.String(length=10), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("seller_before", sa.JSON(), nullable=True),
        sa.Column("seller_after", sa.JSON(), nullable=True),
        sa.Column("buyer_before", sa.JSON(), nullable=True),
        sa.Column("buyer_after", sa.JSON(), nullable=True),
        sa.Column("xml_before", sa.LargeBinary(), nullable=True),
        sa.Column("xml_after", sa.LargeBinary(), nullable=True),
        sa.Column("findings_after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["efactura_documents.id"],
                                name=op.f("fk_efactura_corrections_document_id_efactura_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_efactura_corrections")),
    )
    op.create_index(op.f("ix_efactura_corrections_document_id"), "efactura_corrections", ["document_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_efactura_corrections_document_id"), table_name="efactura_corrections")
    op.drop_table("efactura_corrections")
    with op.batch_alter_table("efactura_documents") as batch:
        batch.drop_column("buyer")
        batch.drop_column("seller")

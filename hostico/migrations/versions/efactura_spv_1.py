"""efactura: documents, uploads, ANAF tokens

Revision ID: efactura_spv_1
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "efactura_spv_1"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("anaf_tokens",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("access_token", sa.LargeBinary(), nullable=True),
    sa.Column("refresh_token", sa.LargeBinary(), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("connected_by", sa.Integer(), nullable=True),
    sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_anaf_tokens"))
    )
    op.create_table("efactura_documents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("invoice_id", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=10), nullable=False),
    sa.Column("route", sa.String(length=10), nullable=True),
    sa.Column("standard", sa.String(length=3), nullable=False),
    sa.Column("extern", sa.Boolean(), nullable=False),
    sa.Column("reason", sa.String(length=200), nullable=True),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("deadline", sa.Date(), nullable=False),
    sa.Column("xml", sa.LargeBinary(), nullable=True),
    sa.Column("findings", sa.JSON(), nullable=True),
    sa.Column("upload_index", sa.String(length=40), nullable=True),
    sa.Column("download_id", sa.String(length=40), nullable=True),
    sa.Column("anaf_messages", sa.JSON(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("route IS NULL OR route IN ('upload', 'uploadb2c')", name=op.f("ck_efactura_documents_route")),
    sa.CheckConstraint("state IN ('pending', 'uploaded', 'ok', 'nok', 'excluded')", name=op.f("ck_efactura_documents_state")),
    sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_efactura_documents_invoice_id_invoices")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_efactura_documents")),
    sa.UniqueConstraint("invoice_id", name=op.f("uq_efactura_documents_invoice_id"))
    )
    with op.batch_alter_table("efactura_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_efactura_documents_deadline"), ["deadline"], unique=False)
        batch_op.create_index("ix_efactura_documents_state_next", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_efactura_documents_upload_index"), ["upload_index"], unique=False)

    op.create_table("efactura_uploads",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("document_id", sa.Integer(), nullable=False),
    sa.Column("state", sa.String(length=10), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("upload_index", sa.String(length=40), nullable=True),
    sa.Column("stare", sa.String(length=40), nullable=True),
    sa.Column("status_checks", sa.Integer(), nullable=False),
    sa.Column("status_checks_day", sa.Date(), nullable=True),
    sa.Column("download_id", sa.String(length=40), nullable=True),
    sa.Column("zip", sa.LargeBinary(), nullable=True),
    sa.Column("xml_sha256", sa.String(length=64), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('sending', 'answered', 'lost', 'failed')", name=op.f("ck_efactura_uploads_state")),
    sa.ForeignKeyConstraint(["document_id"], ["efactura_documents.id"], name=op.f("fk_efactura_uploads_document_id_efactura_documents")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_efactura_uploads")),
    sa.UniqueConstraint("upload_index", name=op.f("uq_efactura_uploads_upload_index"))
    )
    with op.batch_alter_table("efactura_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_efactura_uploads_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("efactura_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_efactura_uploads_document_id"))

    op.drop_table("efactura_uploads")
    with op.batch_alter_table("efactura_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_efactura_documents_upload_index"))
        batch_op.drop_index("ix_efactura_documents_state_next")
        batch_op.drop_index(batch_op.f("ix_efactura_documents_deadline"))

    op.drop_table("efactura_documents")
    op.drop_table("anaf_tokens")


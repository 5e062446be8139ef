"""customers: `locale` becomes `language` (ro | en), Romanian for everyone who never chose; kept PDFs know theirs

The old column held "en" for every customer because nobody could choose; the language of a customer's
emails, SMS and PDFs is now theirs to pick in My Details, and starts as Romanian (docs/i18n.md).

Revision ID: i18n_1
Revises: efactura_docs_1
"""

import sqlalchemy as sa
from alembic import op

revision = "i18n_1"
down_revision = "efactura_docs_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("locale", new_column_name="language", existing_type=sa.String(length=10),
                           type_=sa.String(length=5), existing_nullable=False, server_default="ro")
    op.execute("UPDATE customers SET language = 'ro'")
    with op.batch_alter_table("customers") as batch:
        batch.create_check_constraint(op.f("ck_customers_language_supported"), "language IN ('ro', 'en')")
    # The kept invoice PDFs were rendered in whatever language the first download asked for: drop them (a
    # cache of immutable documents), the next download renders each in its customer's language.
    op.execute("DELETE FROM invoice_pdfs")
    op.add_column("invoice_pdfs", sa.Column("language", sa.String(length=5), server_default="ro", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("invoice_pdfs") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint(op.f("ck_customers_language_supported"), type_="check")
        batch.alter_column("language", new_column_name="locale", existing_type=sa.String(length=5),
                           type_=sa.String(length=10), existing_nullable=False, server_default=None)

"""invoice list: an index in My Invoices' order (customer, newest issue date first)

My Invoices reads a page of 20 rows ORDER BY issue_date DESC, id DESC for one customer. With only
(customer_id, id) PostgreSQL read and sorted every invoice of the customer for each page; this index
gives the page straight from an index scan (bench/run.py, section a).

Revision ID: invoice_list_1
Revises: accounts_sessions_1
Create Date: 2026-12-02
"""

from alembic import op

revision = "invoice_list_1"
down_revision = "accounts_sessions_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_customer_issued", "invoices", ["customer_id", "issue_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_invoices_customer_issued", table_name="invoices")

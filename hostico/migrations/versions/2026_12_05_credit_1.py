"""credit: the customer credit balance, payments from it, statement lines assigned to it

A ledger of signed entries per customer and currency (docs/payments.md, "Customer credit balance"); a payment
of method "credit" applies it to a proforma; an unmatched bank credit staff assign to a customer is "credited".

Revision ID: credit_1
Revises: account_links_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "credit_1"
down_revision = "account_links_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("bank_line_id", sa.Integer(), nullable=True),
        sa.Column("checkout_id", sa.Integer(), nullable=True),
        sa.Column("source_entry_id", sa.Integer(), nullable=True),
        sa.Column("provider_refund_id", sa.String(length=255), nullable=True),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_credit_entries_amount_not_zero")),
        sa.CheckConstraint("amount BETWEEN -9999999999 AND 9999999999", name=op.f("ck_credit_entries_amount_sane")),
        sa.CheckConstraint("reason IN ('overpayment', 'second_charge', 'bank_credit', 'applied', 'refund_card', "
                           "'refund_bank')", name=op.f("ck_credit_entries_reason")),
        sa.CheckConstraint("(reason IN ('overpayment', 'second_charge', 'bank_credit') AND amount > 0)"
                           " OR (reason IN ('applied', 'refund_card', 'refund_bank') AND amount < 0)",
                           name=op.f("ck_credit_entries_sign")),
        sa.CheckConstraint("reason <> 'overpayment' OR payment_id IS NOT NULL",
                           name=op.f("ck_credit_entries_overpayment_has_payment")),
        sa.CheckConstraint("reason <> 'second_charge' OR checkout_id IS NOT NULL",
                           name=op.f("ck_credit_entries_second_charge_has_checkout")),
        sa.CheckConstraint("reason <> 'bank_credit' OR bank_line_id IS NOT NULL",
                           name=op.f("ck_credit_entries_bank_credit_has_line")),
        sa.CheckConstraint("reason <> 'applied' OR payment_id IS NOT NULL",
                           name=op.f("ck_credit_entries_applied_has_payment")),
        sa.CheckConstraint("reason <> 'refund_card' OR (source_entry_id IS NOT NULL AND checkout_id IS NOT NULL)",
                           name=op.f("ck_credit_entries_card_refund_has_source")),
        sa.CheckConstraint("actor_kind IN ('staff', 'system')", name=op.f("ck_credit_entries_actor_kind")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_credit_entries_customer_id_customers")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_credit_entries_payment_id_payments")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_credit_entries_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["bank_line_id"], ["bank_statement_lines.id"],
                                name=op.f("fk_credit_entries_bank_line_id_bank_statement_lines")),
        sa.ForeignKeyConstraint(["checkout_id"], ["checkouts.id"], name=op.f("fk_credit_entries_checkout_id_checkouts")),
        sa.ForeignKeyConstraint(["source_entry_id"], ["credit_entries.id"],
                                name=op.f("fk_credit_entries_source_entry_id_credit_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_credit_entries_idempotency_key")),
    )
    with op.batch_alter_table("credit_entries") as batch:
        batch.create_index("ix_credit_entries_customer_currency", ["customer_id", "currency"], unique=False)
        for column in ("payment_id", "invoice_id", "bank_line_id", "checkout_id", "source_entry_id"):
            batch.create_index(batch.f(f"ix_credit_entries_{column}"), [column], unique=False)
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint(op.f("ck_payments_method"), type_="check")
        batch.create_check_constraint("method", "method IN ('card', 'bank_transfer', 'gateway', 'credit')")
    with op.batch_alter_table("bank_statement_lines") as batch:
        batch.drop_constraint(op.f("ck_bank_statement_lines_status"), type_="check")
        batch.create_check_constraint("status", "status IN ('matched', 'unmatched', 'dismissed', 'credited')")


def downgrade() -> None:
    with op.batch_alter_table("bank_statement_lines") as batch:
        batch.drop_constraint(op.f("ck_bank_statement_lines_status"), type_="check")
        batch.create_check_constraint("status", "status IN ('matched', 'unmatched', 'dismissed')")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint(op.f("ck_payments_method"), type_="check")
        batch.create_check_constraint("method", "method IN ('card', 'bank_transfer', 'gateway')")
    op.drop_table("credit_entries")

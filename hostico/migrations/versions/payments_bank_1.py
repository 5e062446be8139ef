"""payments: imported bank statements (CAMT.053, MT940) and their credit lines

Revision ID: payments_bank_1
Revises: payments_gateway_1
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op


revision = 'payments_bank_1'
down_revision = 'payments_gateway_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_statement_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('already_imported', sa.Integer(), nullable=False),
    sa.Column('debits_ignored', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_imports'))
    )
    op.create_table('bank_statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=200), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('remittance', sa.Text(), nullable=True),
    sa.Column('structured_reference', sa.String(length=140), nullable=True),
    sa.Column('payer_name', sa.String(length=140), nullable=True),
    sa.Column('payer_iban', sa.String(length=40), nullable=True),
    sa.Column('bank_reference', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('proforma_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'matched' OR payment_id IS NOT NULL", name=op.f('ck_bank_statement_lines_matched_has_payment')),
    sa.CheckConstraint("status IN ('matched', 'unmatched', 'dismissed')", name=op.f('ck_bank_statement_lines_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_bank_statement_lines_amount_positive')),
    sa.ForeignKeyConstraint(['decided_by_staff_id'], ['staff_users.id'], name=op.f('fk_bank_statement_lines_decided_by_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['import_id'], ['bank_statement_imports.id'], name=op.f('fk_bank_statement_lines_import_id_bank_statement_imports')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_statement_lines_payment_id_payments')),
    sa.ForeignKeyConstraint(['proforma_id'], ['invoices.id'], name=op.f('fk_bank_statement_lines_proforma_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_lines')),
    sa.UniqueConstraint('entry_key', name=op.f('uq_bank_statement_lines_entry_key')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_bank_statement_lines_payment_id'))
    )
    with op.batch_alter_table('bank_statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_lines_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_statement_lines_proforma_id'), ['proforma_id'], unique=False)
        batch_op.create_index('ix_bank_statement_lines_status_booked', ['status', 'booking_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bank_statement_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_statement_lines_status_booked')
        batch_op.drop_index(batch_op.f('ix_bank_statement_lines_proforma_id'))
        batch_op.drop_index(batch_op.f('ix_bank_statement_lines_import_id'))

    op.drop_table('bank_statement_lines')
    op.drop_table('bank_statement_imports')

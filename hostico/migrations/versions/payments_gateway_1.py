"""payments gateway: checkouts, checkout items, refunds

Revision ID: payments_gateway_1
Revises: efactura_spv_1
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op


revision = 'payments_gateway_1'
down_revision = 'efactura_spv_1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('gateway', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=255), nullable=True),
    sa.Column('transaction_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('failure_code', sa.String(length=40), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gateway IN ('sandbox', 'netopia', 'stripe')", name=op.f('ck_checkouts_gateway')),
    sa.CheckConstraint("status IN ('pending', 'paid', 'failed')", name=op.f('ck_checkouts_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_checkouts_amount_positive')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_checkouts_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkouts')),
    sa.UniqueConstraint('gateway', 'provider_id', name=op.f('uq_checkouts_gateway_provider_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_checkouts_reference'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkouts_customer_id'), ['customer_id'], unique=False)

    op.create_table('checkout_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_checkout_items_amount_positive')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_checkout_items_checkout_id_checkouts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_checkout_items_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_items')),
    sa.UniqueConstraint('checkout_id', 'invoice_id', name=op.f('uq_checkout_items_checkout_id_invoice_id'))
    )
    with op.batch_alter_table('checkout_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_items_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkout_items_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('provider_refund_id', sa.String(length=255), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_refunds_checkout_id_checkouts')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['invoices.id'], name=op.f('fk_refunds_credit_note_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkout_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_checkout_id'), ['checkout_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payments_checkout_id_checkouts'), 'checkouts', ['checkout_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_checkout_id_checkouts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_checkout_id'))
        batch_op.drop_column('checkout_id')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_checkout_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('checkout_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_items_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_checkout_items_checkout_id'))

    op.drop_table('checkout_items')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkouts_customer_id'))

    op.drop_table('checkouts')

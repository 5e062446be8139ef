"""line price rate: the BNR rate each converted invoice line used

An EUR tax invoice now states the BNR rate of its collection day (art. 290) for S, AE and O alike, while its
lines keep the prices converted on the proforma's day (the amount received); so the rate a printed conversion
("4.500,00 RON ÷ 5,0179 = 896,79 EUR") shows is kept per line. Existing lines get their invoice's rate.

Revision ID: line_price_rate_1
Revises: efactura_token_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "line_price_rate_1"
down_revision = "efactura_token_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("price_rate", sa.BigInteger(), nullable=True))
    lines, invoices = sa.table("invoice_lines", sa.column("invoice_id"), sa.column("price_currency"),
                               sa.column("price_rate")), sa.table("invoices", sa.column("id"),
                                                                  sa.column("exchange_rate"))
    rate = sa.select(invoices.c.exchange_rate).where(invoices.c.id == lines.c.invoice_id).scalar_subquery()
    op.execute(lines.update().where(lines.c.price_currency.is_not(None)).values(price_rate=rate))


def downgrade() -> None:
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_column("price_rate")

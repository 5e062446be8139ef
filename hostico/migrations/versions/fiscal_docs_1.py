"""fiscal documents: BNR rates, currency on invoices, collection date, several tax invoices per sale
(storno and reissue), issue dates under the numbering lock, renewal anchor day, payment limit

Revision ID: fiscal_docs_1
Revises: payments_bank_1
Create Date: 2026-12-01
"""

import calendar

import sqlalchemy as sa
from alembic import op

revision = "fiscal_docs_1"
down_revision = "payments_bank_1"
branch_labels = None
depends_on = None


def _anchor(next_due, created_day: int | None) -> int:
    """The day of the month a service renews on: its due day, or, when that is a short month's last
    day reached by clamping (31 Jan → 28 Feb), the day it was ordered on."""
    last = calendar.monthrange(next_due.year, next_due.month)[1]
    if next_due.day == last and created_day and created_day > next_due.day:
        return created_day
    return next_due.day


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_exchange_rates_rate_positive")),
        sa.CheckConstraint("multiplier > 0", name=op.f("ck_exchange_rates_multiplier_positive")),
        sa.PrimaryKeyConstraint("day", "currency", name=op.f("pk_exchange_rates")),
    )
    op.create_table(
        "exchange_rate_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate_syncs")),
    )
    op.create_index(op.f("ix_exchange_rate_syncs_fetched_at"), "exchange_rate_syncs", ["fetched_at"])

    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint(op.f("uq_invoices_proforma_id"), type_="unique")
        batch.add_column(sa.Column("exchange_rate", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("rate_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("vat_total_ron", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("total_ron", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("collected_on", sa.Date(), nullable=True))
        batch.create_check_constraint("rate_has_date", "(exchange_rate IS NULL) = (rate_date IS NULL)")
        batch.create_index("ix_invoices_proforma_id", ["proforma_id"])
        batch.create_index("ix_invoices_corrects_id", ["corrects_id"])

    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("price_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("price_amount", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("corrects_line_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_invoice_lines_corrects_line_id_invoice_lines"), "invoice_lines",
                                 ["corrects_line_id"], ["id"])

    with op.batch_alter_table("invoice_counters") as batch:
        batch.add_column(sa.Column("last_issue_date", sa.Date(), nullable=True))
    op.execute("UPDATE invoice_counters SET last_issue_date = (SELECT MAX(issue_date) FROM invoices"
               " WHERE invoices.series = invoice_counters.series)")

    # Payments: the day the money arrived; existing ones arrived the day they were recorded, which is
    # the day their tax invoice was issued.
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
    op.execute("UPDATE payments SET received_on = (SELECT issue_date FROM invoices"
               " WHERE invoices.id = payments.tax_invoice_id)")
    op.execute("UPDATE payments SET received_on = (SELECT issue_date FROM invoices"
               " WHERE invoices.id = payments.invoice_id) WHERE received_on IS NULL")
    op.execute("UPDATE invoices SET collected_on = issue_date WHERE kind = 'tax'")
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("received_on", existing_type=sa.Date(), nullable=False)
        batch.drop_constraint(op.f("ck_payments_amount_sane"), type_="check")
        batch.create_check_constraint("amount_sane", "amount <= 9999999999")

    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("anchor_day", sa.Integer(), nullable=True))
        batch.create_check_constraint("anchor_day", "anchor_day IS NULL OR (anchor_day >= 1 AND anchor_day <= 31)")
    bind = op.get_bind()
    services = sa.table("services", sa.column("id", sa.Integer), sa.column("next_due_date", sa.Date),
                        sa.column("created_at", sa.DateTime), sa.column("anchor_day", sa.Integer))
    rows = bind.execute(sa.select(services.c.id, services.c.next_due_date, services.c.created_at)
                        .where(services.c.anchor_day.is_(None))).all()
    updates = []
    for sid, next_due, created_at in rows:
        if next_due is None:
            continue
        if isinstance(next_due, str):  # SQLite without type affinity on a raw table()
            import datetime as dt
            next_due = dt.date.fromisoformat(next_due[:10])
            created_day = int(str(created_at)[8:10]) if created_at else None
        else:
            created_day = created_at.day if created_at else None
        updates.append({"sid": sid, "anchor": _anchor(next_due, created_day)})
    if updates:
        bind.execute(sa.update(services).where(services.c.id == sa.bindparam("sid"))
                     .values(anchor_day=sa.bindparam("anchor")), updates)


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_constraint(op.f("ck_services_anchor_day"), type_="check")
        batch.drop_column("anchor_day")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint(op.f("ck_payments_amount_sane"), type_="check")
        batch.create_check_constraint("amount_sane", "amount < 100000000")
        batch.drop_column("received_on")
    with op.batch_alter_table("invoice_counters") as batch:
        batch.drop_column("last_issue_date")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_constraint(op.f("fk_invoice_lines_corrects_line_id_invoice_lines"), type_="foreignkey")
        for col in ("corrects_line_id", "price_amount", "price_currency"):
            batch.drop_column(col)
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_corrects_id")
        batch.drop_index("ix_invoices_proforma_id")
        batch.drop_constraint(op.f("ck_invoices_rate_has_date"), type_="check")
        for col in ("collected_on", "total_ron", "vat_total_ron", "rate_date", "exchange_rate"):
            batch.drop_column(col)
        batch.create_unique_constraint(op.f("uq_invoices_proforma_id"), ["proforma_id"])
    op.drop_index(op.f("ix_exchange_rate_syncs_fetched_at"), "exchange_rate_syncs")
    op.drop_table("exchange_rate_syncs")
    op.drop_table("exchange_rates")

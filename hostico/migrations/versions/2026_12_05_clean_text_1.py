"""clean text: remove control characters that rows saved before they were refused at the field may hold

One control character in a buyer's name made its tax invoice's XML impossible to build and stopped every
e-Factura sync (docs/fiscal.md, "Clean text"). Forms now refuse them (hostico.text); this removes them from what people
typed before: names, addresses, labels, notes, line descriptions and the buyer snapshots of invoices and
pending edits. Tab and newlines stay in notes (multi-line fields). Rows are read in batches by id.

Revision ID: clean_text_1
Revises: invoice_list_1
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from hostico.text import has_control_characters, strip_control_characters

revision = "clean_text_1"
down_revision = "invoice_list_1"
branch_labels = None
depends_on = None

BATCH = 2000
# table: (single-line text columns, multi-line text columns, JSON snapshot columns)
COLUMNS = {
    "customers": (("name",), (), ()),
    "staff_users": (("name",), (), ()),
    "billing_profiles": (("label", "name", "company_name", "reg_com", "address", "city", "county", "postal_code"),
                         (), ()),
    "invoices": ((), (), ("buyer",)),
    "invoice_lines": (("description",), (), ()),
    "invoice_events": ((), ("note",), ()),
    "pending_billing_edits": ((), ("note",), ()),
    "services": (("domain",), ("suspension_note",), ()),
    "payments": (("reference",), (), ()),
}


def _clean_json(value):
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        return {key: _clean_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    return value


def _clean_table(bind, name: str, lines: tuple, multiline: tuple, snapshots: tuple) -> None:
    table = sa.table(name, sa.column("id"), *(sa.column(c) for c in (*lines, *multiline)),
                     *(sa.column(c, sa.JSON) for c in snapshots))
    last = 0
    while True:
        rows = bind.execute(sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        for row in rows:
            changes = {}
            for column in (*lines, *multiline):
                value = getattr(row, column)
                if isinstance(value, str) and has_control_characters(value, multiline=column in multiline):
                    changes[column] = strip_control_characters(value, multiline=column in multiline)
            for column in snapshots:
                data = getattr(row, column)
                cleaned = _clean_json(data)
                if cleaned != data:
                    changes[column] = cleaned
            if changes:
                bind.execute(sa.update(table).where(table.c.id == row.id).values(**changes))


def upgrade() -> None:
    bind = op.get_bind()
    for name, (lines, multiline, snapshots) in COLUMNS.items():
        _clean_table(bind, name, lines, multiline, snapshots)


def downgrade() -> None:
    pass  # nothing to restore: the characters removed could never be shown or sent

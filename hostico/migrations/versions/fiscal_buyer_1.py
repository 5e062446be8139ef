"""invoice history notes written by the system become a code and parameters, translated when shown

"from HPF-000002" was stored as English text and shown as such on Romanian pages; the existing notes
of the known shapes are converted, any other note stays as typed.

Revision ID: fiscal_buyer_1
Revises: accounts_holes_1
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "fiscal_buyer_1"
down_revision = "accounts_holes_1"
branch_labels = None
depends_on = None

# (action, pattern of the old English note, code); the named groups are the parameters.
_CODE = r"[A-Z0-9]+-\d+"  # an invoice number: series-number (billing/numbering.py)
_PATTERNS = [
    ("issued", rf"from (?P<proforma>{_CODE})", "from_proforma"),
    ("issued", rf"reissue of (?P<invoice>{_CODE}) from (?P<proforma>{_CODE})", "reissue_of"),
    ("paid", rf"(?P<method>[a-z_]+); tax invoice (?P<tax>{_CODE})", "paid_with"),
    ("cancelled", r"service (?P<domain>\S+) terminated", "service_terminated"),
    ("created", r"system: renewal", "renewal"),
    ("billing_edit_pending", r"waiting for staff approval of a new billing profile", "awaiting_approval"),
    ("billing_edited", r"approved billing change #(?P<request>\d+) requested by the customer", "approved_change"),
    ("billing_edit_not_applied", rf"approved, not applied: (?P<invoice>{_CODE}) is (?P<status>[a-z]+)",
     "not_applied"),
]
_REASONED = {"reissued": "reissued_as", "credited": "credited_by"}  # "<code>: <reason typed by staff>"


def converted_note(action: str, note: str) -> tuple[str, dict, str | None] | None:
    """Return (code, params, note left as typed) for a note the system wrote in English, else None."""
    for candidate, pattern, code in _PATTERNS:
        match = re.fullmatch(pattern, note) if candidate == action else None
        if match:
            return code, match.groupdict(), "system" if action == "created" else None
    match = re.fullmatch(rf"(?P<invoice>{_CODE}): (?P<reason>.*)", note, re.DOTALL)
    if action in _REASONED and match:
        return _REASONED[action], {"invoice": match["invoice"]}, match["reason"] or None
    return None


def upgrade() -> None:
    op.add_column("invoice_events", sa.Column("note_code", sa.String(length=40), nullable=True))
    op.add_column("invoice_events", sa.Column("note_params", sa.JSON(), nullable=True))
    events = sa.table("invoice_events", sa.column("id", sa.Integer), sa.column("action", sa.String),
                      sa.column("note", sa.Text), sa.column("note_code", sa.String),
                      sa.column("note_params", sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(events.c.id, events.c.action, events.c.note)
                        .where(events.c.note.is_not(None), events.c.action != "created")).all()
    rows += bind.execute(sa.select(events.c.id, events.c.action, events.c.note)
                         .where(events.c.action == "created", events.c.note == "system: renewal")).all()
    for event_id, action, note in rows:
        converted = converted_note(action, note)
        if converted:
            code, params, rest = converted
            bind.execute(events.update().where(events.c.id == event_id)
                         .values(note_code=code, note_params=params, note=rest))


def downgrade() -> None:
    with op.batch_alter_table("invoice_events") as batch:
        batch.drop_column("note_params")
        batch.drop_column("note_code")

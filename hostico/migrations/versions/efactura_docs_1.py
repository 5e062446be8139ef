"""billing data: counties as ISO 3166-2:RO codes and Bucharest's sector as the city (e-Factura, CIUS-RO)

Billing profiles and the buyer of unpaid proformas had the county as free text ("Brașov", "jud. Cluj",
"Bucuresti"). Each becomes its code (RO-BV, RO-CJ, RO-B); in Bucharest the city becomes the sector when
the address names one ("Sector 3" -> SECTOR3). Text that names no county is left as it is: the form asks
for the county on the next edit. Issued tax invoices and credit notes are never rewritten.

Revision ID: efactura_docs_1
Revises: fiscal_docs_1
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from hostico.efactura import counties

revision = "efactura_docs_1"
down_revision = "fiscal_docs_1"
branch_labels = None
depends_on = None

profiles = sa.table("billing_profiles", sa.column("id", sa.Integer), sa.column("county", sa.String),
                    sa.column("city", sa.String), sa.column("address", sa.String), sa.column("country", sa.String))
invoices = sa.table("invoices", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("status", sa.String), sa.column("buyer", sa.JSON))


def normalised(county: str | None, city: str | None, address: str | None, country: str | None) -> dict | None:
    """Return the changed county and city of one Romanian address, or None when nothing changes."""
    if (country or "RO").upper() != "RO" or not county:
        return None
    code = counties.to_code(county)
    if code is None:
        return None
    new_city = city
    if code == counties.BUCHAREST:
        new_city = counties.sector_of(city, county, address) or city
    if code == county and new_city == city:
        return None
    return {"county": code, "city": new_city}


def upgrade() -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(profiles)).mappings().all():
        change = normalised(row["county"], row["city"], row["address"], row["country"])
        if change:
            bind.execute(profiles.update().where(profiles.c.id == row["id"]).values(**change))
    unpaid = sa.select(invoices.c.id, invoices.c.buyer).where(invoices.c.kind == "proforma",
                                                              invoices.c.status == "unpaid")
    for row in bind.execute(unpaid).mappings().all():
        buyer = dict(row["buyer"] or {})
        change = normalised(buyer.get("county"), buyer.get("city"), buyer.get("address"), buyer.get("country"))
        if change:
            bind.execute(invoices.update().where(invoices.c.id == row["id"]).values(buyer={**buyer, **change}))


def downgrade() -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(profiles)).mappings().all():
        if counties.is_county_code(row["county"]):
            bind.execute(profiles.update().where(profiles.c.id == row["id"])
                         .values(county=counties.county_name(row["county"])))

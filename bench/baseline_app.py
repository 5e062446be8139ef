"""The yardstick for page speed: a minimal Flask page listing 50 rows through SQLAlchemy and Jinja.

Not part of the product. Served by gunicorn in bench/run.py as `bench.baseline_app:app`, on the same
database engine as the product, so a ratio product/baseline measures the product's own overhead.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Baseline</title></head>
<body><table>
<thead><tr><th>#</th><th>Name</th><th>Amount</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.amount }}</td></tr>{% endfor %}
</tbody></table></body></html>"""


class Base(DeclarativeBase):
    pass


class BaselineRow(Base):
    __tablename__ = "bench_baseline_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(Integer)


def prepare(database_url: str, rows: int = 50) -> None:
    """Create the baseline table with `rows` rows (idempotent)."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        if s.scalar(select(BaselineRow).limit(1)) is None:
            s.add_all(BaselineRow(name=f"Row {i}", amount=i * 100) for i in range(rows))
            s.commit()
    engine.dispose()


def create_baseline(database_url: str) -> Flask:
    """Return the baseline app: GET / lists 50 rows."""
    app = Flask(__name__)
    engine = create_engine(database_url, pool_pre_ping=True)

    @app.route("/")
    def index():
        with Session(engine) as s:
            rows = s.scalars(select(BaselineRow).order_by(BaselineRow.id).limit(50)).all()
            return render_template_string(PAGE, rows=rows)

    return app


app = create_baseline(os.environ["BENCH_BASELINE_DB"]) if "BENCH_BASELINE_DB" in os.environ else None

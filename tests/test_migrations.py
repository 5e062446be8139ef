"""The schema comes from the Alembic chain, on both engines."""

from sqlalchemy import create_engine, inspect

from hostico.db import upgrade
from hostico.models import Base


def test_migrations_upgrade_an_empty_database_to_the_models(fresh_database):
    url = fresh_database()
    upgrade(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_a_no_op(fresh_database):
    url = fresh_database()
    upgrade(url)
    upgrade(url)  # must not fail or duplicate anything


def test_db_upgrade_command_creates_the_schema(fresh_database, test_config):
    from hostico import create_app

    url = fresh_database()
    app = create_app({**test_config, "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    assert "invoices" in inspect(engine).get_table_names()
    engine.dispose()


def test_migrations_match_the_models(fresh_database):
    """The chain creates exactly what the models declare (no model change without its migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = fresh_database()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []

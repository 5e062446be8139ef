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
    from hostico.web.app import create_app

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


def test_a_new_migration_file_name_starts_with_its_date(tmp_path):
    """alembic revision names new files year_month_day_<rev>_<slug>.py, so the folder lists them in order."""
    import datetime as dt
    import shutil

    from alembic import command

    from hostico.db import MIGRATIONS_DIR, alembic_config

    scripts = tmp_path / "migrations"
    (scripts / "versions").mkdir(parents=True)
    shutil.copy(f"{MIGRATIONS_DIR}/script.py.mako", scripts)
    cfg = alembic_config("sqlite://")
    cfg.set_main_option("script_location", str(scripts))
    today = dt.datetime.now()
    command.revision(cfg, message="Add a thing", rev_id="thing_1")
    [made] = [p.name for p in (scripts / "versions").iterdir()]
    assert made in {f"{day:%Y_%m_%d}_thing_1_add_a_thing.py" for day in (today, dt.datetime.now())}

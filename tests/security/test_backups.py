"""The README's backup path works: deploy/backup.sh dumps with retention, deploy/restore-test.sh restores."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from sqlalchemy import text

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# CREATE and DROP DATABASE each wait for a checkpoint: on a busy shared server (parallel suites creating and
# dropping databases) one took over 120 s after the restore itself had succeeded. A hang is still caught.
SCRIPT_TIMEOUT = 600


@pytest.mark.slow
def test_nightly_backup_restores_into_a_scratch_database(engine_name, database_url, make, session, tmp_path):
    if engine_name != "postgres":
        pytest.skip("pg_dump backups are for the PostgreSQL production database")
    customer = make.make_customer()
    make.make_proforma(customer)
    make.make_proforma(customer)
    old = tmp_path / "hostico-20000101T000000Z.dump"
    old.write_text("expired")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    env = dict(os.environ, HOSTICO_DATABASE_URL=database_url, BACKUP_DIR=str(tmp_path), BACKUP_KEEP_DAYS="14")

    backup = subprocess.run(["deploy/backup.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=SCRIPT_TIMEOUT)
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip().splitlines()[-1]
    assert os.path.exists(dump) and os.path.getsize(dump) > 1000
    assert not old.exists(), "a dump older than BACKUP_KEEP_DAYS was kept"

    restore = subprocess.run(["deploy/restore-test.sh", "--latest"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=SCRIPT_TIMEOUT)
    assert restore.returncode == 0, restore.stderr
    expected = session.execute(text(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM invoices), (SELECT count(*) FROM outbox)"
    )).one()
    assert expected[:2] == (1, 2)
    assert restore.stdout.strip().endswith("customers invoices outbox: " + " ".join(map(str, expected))), restore.stdout

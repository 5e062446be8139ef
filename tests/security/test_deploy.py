"""The deployment files (Procfile, systemd units) run only commands the app really has."""

from __future__ import annotations

import glob
import os
import re
import shlex

from click.testing import CliRunner

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLASK_CALL = re.compile(r"flask --app wsgi ([a-z][\w-]*(?: [a-z][\w-]*)?)")


def _deploy_commands() -> set[str]:
    files = [os.path.join(ROOT, "Procfile"), *glob.glob(os.path.join(ROOT, "deploy", "systemd", "*"))]
    found = set()
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.lstrip().startswith("#"):
                    found |= set(FLASK_CALL.findall(line))
    return found


def test_the_deployment_files_name_the_three_processes():
    assert {"db upgrade", "worker", "billing run"} <= _deploy_commands()


def test_every_command_of_the_deployment_files_exists(app):
    runner = CliRunner()
    missing = []
    for command in sorted(_deploy_commands()):
        result = runner.invoke(app.cli, [*shlex.split(command), "--help"], obj=None)
        if result.exit_code != 0 or "Usage:" not in result.output:
            missing.append(f"flask --app wsgi {command}: {result.output.strip()[-200:]}")
    assert not missing, "missing: " + "\n".join(missing)


def test_the_worker_command_runs_once_and_exits(app, runner):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, f"missing: a working `flask --app wsgi worker --once` ({result.output.strip()})"

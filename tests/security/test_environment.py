"""HOSTICO_ENV is exactly development, test or production (docs/security.md, Secrets in production): any other
spelling refuses to start and names the setting, never starting with development's secrets, the sandbox
gateway and cookies without Secure."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hostico.secret_settings import UnsafeConfiguration
from hostico.web.app import create_app
from tests.conftest import PRODUCTION_SECRETS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("value", ["Production", "prod", "production ", " production", "PRODUCTION", "dev",
                                   "staging", "", "testing", "développement"])
def test_an_environment_that_is_not_exactly_one_of_the_three_refuses_to_start(test_config, value):
    with pytest.raises(UnsafeConfiguration) as err:
        create_app({**test_config, "ENV": value, **PRODUCTION_SECRETS})
    assert err.value.problems == ["HOSTICO_ENV must be exactly one of development, test, production "
                                  "(the value given is none of them)"]


@pytest.mark.parametrize("value", ["development", "test"])
def test_the_two_other_environments_start(test_config, value):
    app = create_app({**test_config, "ENV": value})
    assert app.config["ENV"] == value and not app.config.get("SESSION_COOKIE_SECURE")


def test_production_spelled_exactly_starts_with_secure_cookies(test_config):
    app = create_app({**test_config, "ENV": "production", **PRODUCTION_SECRETS})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.slow
def test_the_command_line_refuses_a_misspelt_environment_naming_the_setting(database_url):
    env = dict(os.environ, HOSTICO_DATABASE_URL=database_url, HOSTICO_ENV="Production",
               HOSTICO_SECRET_KEY=PRODUCTION_SECRETS["SECRET_KEY"])
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "HOSTICO_ENV must be exactly one of development, test, production" in out.stderr
    assert "Production" not in out.stderr.replace("HOSTICO_ENV", "")

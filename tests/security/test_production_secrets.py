"""Production refuses to start with a missing or default secret of any kind (docs/security.md, Secrets in production).

Each secret of hostico.secret_settings.REGISTRY: missing when needed, a published default, a placeholder;
the refusal names the setting and never prints the value.
"""

from __future__ import annotations

import os

import pytest

from hostico.config import from_environment
from hostico.secret_settings import REGISTRY, UnsafeConfiguration
from hostico.web.app import create_app
from tests.conftest import PRODUCTION_SECRETS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What makes each secret needed, with a value that is fine, so a test changes only the secret itself.
NETOPIA = {"PAYMENT_GATEWAY": "netopia", "NETOPIA_API_KEY": "nt-4c1a9e7f2b",
           "NETOPIA_POS_SIGNATURE": "2KQ9-7HD3-PL0A-XX9W", "NETOPIA_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----"}
STRIPE = {"PAYMENT_GATEWAY": "stripe", "STRIPE_SECRET_KEY": "sk_live_51HqLyjWDarjtT1zd",
          "STRIPE_WEBHOOK_SECRET": "whsec_8Gq2LmN4pR6tV8xZ"}
NEEDS = {
    "SECRET_KEY": {},
    "WEBHOOK_SECRET": {},
    "NETOPIA_API_KEY": NETOPIA,
    "NETOPIA_POS_SIGNATURE": NETOPIA,
    "STRIPE_SECRET_KEY": STRIPE,
    "STRIPE_WEBHOOK_SECRET": STRIPE,
    "ANAF_CLIENT_SECRET": {"EFACTURA": "prod", "ANAF_CLIENT_ID": "c7d1e2", "ANAF_CLIENT_SECRET": "3f8a1c9e7b2d4f60"},
    "ANAF_REFRESH_TOKEN": {"ANAF_REFRESH_TOKEN": "rt.9Qx2Lm7Pz4"},
    "SMTP_PASSWORD": {"MAIL_BACKEND": "smtp", "SMTP_USER": "billing@hostico.ro", "SMTP_PASSWORD": "Vq8#mz2LpX"},
    "SMS_API_KEY": {"SMS_BACKEND": "twilio", "SMS_ACCOUNT_SID": "AC123", "SMS_API_KEY": "tw-83kd92mf0a"},
    "METRICS_TOKEN": {"METRICS_TOKEN": "m7Qz2Lp9Xk4Vw8Rt3Nb6"},
}
OPTIONAL = {"ANAF_REFRESH_TOKEN", "METRICS_TOKEN"}  # checked only when set


def _production(test_config, **settings):
    return create_app({**test_config, "ENV": "production", **PRODUCTION_SECRETS, **settings})


def _refusal(test_config, **settings) -> UnsafeConfiguration:
    with pytest.raises(UnsafeConfiguration) as err:
        _production(test_config, **settings)
    return err.value


def test_every_secret_of_the_registry_has_a_case_here():
    assert {s.name for s in REGISTRY} == set(NEEDS)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_production_starts_when_the_secret_is_set_to_a_real_value(test_config, name):
    app = _production(test_config, **NEEDS[name])
    assert app.config[name]


@pytest.mark.parametrize("name", sorted(set(NEEDS) - OPTIONAL))
def test_production_refuses_to_start_without_the_secret(test_config, name):
    err = _refusal(test_config, **{**NEEDS[name], name: ""})
    assert any(line.startswith(f"HOSTICO_{name} must be set in production") for line in err.problems), err.problems


@pytest.mark.parametrize("value", ["change-me", "CHANGE_ME", "change-me-to-64-random-hex-characters", "changeme",
                                   "xxxx-xxxx-xxxx", "dev-webhook-secret", "test-secret-key", "hostico-demo",
                                   "sk_live_change-me", "whsec_change-me"])
@pytest.mark.parametrize("name", sorted(NEEDS))
def test_production_refuses_a_default_or_placeholder_value_and_never_prints_it(test_config, name, value):
    err = _refusal(test_config, **{**NEEDS[name], name: value})
    mine = [line for line in err.problems if line.startswith(f"HOSTICO_{name} ")]
    assert mine and "default or placeholder" in mine[0]
    assert value not in str(err) and value.lower() not in str(err).lower()


def test_the_shipped_webhook_secret_is_refused(test_config):
    """Hole 5: with the public default anyone could sign a 'paid' notification."""
    config = {**test_config, "ENV": "production", "SECRET_KEY": PRODUCTION_SECRETS["SECRET_KEY"]}
    with pytest.raises(RuntimeError, match="HOSTICO_WEBHOOK_SECRET is a default or placeholder"):
        create_app(config)  # WEBHOOK_SECRET left at its default, dev-webhook-secret
    with pytest.raises(RuntimeError, match="HOSTICO_WEBHOOK_SECRET"):
        create_app({**config, "WEBHOOK_SECRET": "change-me"})


@pytest.mark.parametrize("name,short", [("SECRET_KEY", "k3Y9" * 7), ("WEBHOOK_SECRET", "q8Zr2Lp")])
def test_the_apps_own_secrets_must_be_long_enough(test_config, name, short):
    err = _refusal(test_config, **{name: short})
    assert any(line.startswith(f"HOSTICO_{name} is too short") for line in err.problems)
    assert short not in str(err)


@pytest.mark.parametrize("name,url", [
    ("DATABASE_URL", "postgresql+psycopg://hostico:change-me@127.0.0.1:5432/hostico"),
    ("RATELIMIT_STORAGE_URL", "redis://:change-me@127.0.0.1:6379/0"),
])
def test_a_url_with_a_placeholder_password_is_refused(test_config, name, url):
    err = _refusal(test_config, **{name: url})
    assert any(line.startswith(f"HOSTICO_{name} has a default or placeholder password") for line in err.problems)
    assert "change-me" not in str(err)


def test_smtp_without_login_needs_no_password(test_config):
    assert _production(test_config, MAIL_BACKEND="smtp", SMTP_USER="", SMTP_PASSWORD="")


def test_every_problem_is_named_at_once(test_config):
    """The shipped env example, filled in by nobody: one refusal names every placeholder left in it."""
    environ = {}
    with open(os.path.join(ROOT, "deploy", "hostico.env.example"), encoding="utf-8") as fh:
        for line in fh:
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.rstrip("\n").split("=", 1)
                environ[key.strip()] = value
    config = {**test_config, **from_environment(environ)}
    with pytest.raises(UnsafeConfiguration) as err:
        create_app(config)
    named = {line.split(" ", 1)[0] for line in err.value.problems}
    assert {"HOSTICO_SECRET_KEY", "HOSTICO_DATABASE_URL", "HOSTICO_SMTP_PASSWORD", "HOSTICO_NETOPIA_API_KEY",
            "HOSTICO_NETOPIA_POS_SIGNATURE", "HOSTICO_ANAF_CLIENT_SECRET", "HOSTICO_WEBHOOK_SECRET"} <= named
    assert "change-me" not in str(err.value)


def test_development_keeps_its_defaults(test_config):
    app = create_app({**test_config, "WEBHOOK_SECRET": "dev-webhook-secret"})
    assert app.config["WEBHOOK_SECRET"] == "dev-webhook-secret"

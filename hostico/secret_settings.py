"""Every secret setting in one registry: production refuses to start with one missing or left at a default.

A public default secret is no secret: with the shipped `dev-webhook-secret` anyone could sign a "paid"
notification, with `change-me` from deploy/hostico.env.example anyone could forge session cookies or
mail-login links (docs/security.md, Secrets). `problems(config)` names each setting that is missing, a known
placeholder or (for the app's own secrets) too short; the value itself is never printed.

No Flask here: the app factory calls it with its config; the registry is also the list in docs/security.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hostico.config import SETTINGS, default

Config = Mapping[str, object]


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start; `problems` lists each setting to fix (never a value)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("Hostico refuses to start:\n- " + "\n- ".join(self.problems))


def _always(_: Config) -> bool:
    return True


def _gateway(name: str) -> Callable[[Config], bool]:
    return lambda cfg: str(cfg.get("PAYMENT_GATEWAY") or "").strip().lower() == name


def _efactura_on(cfg: Config) -> bool:
    return str(cfg.get("EFACTURA") or default("EFACTURA")).strip().lower() in ("test", "prod")


def _smtp_login(cfg: Config) -> bool:
    backend = str(cfg.get("MAIL_BACKEND") or default("MAIL_BACKEND")).strip().lower()
    return backend == "smtp" and bool(cfg.get("SMTP_USER"))


def _sms_provider(cfg: Config) -> bool:
    return str(cfg.get("SMS_BACKEND") or default("SMS_BACKEND")).strip().lower() in ("twilio", "smso")


def _never(_: Config) -> bool:
    return False  # optional: checked only when set


@dataclass(frozen=True)
class Secret:
    name: str  # the setting, without the HOSTICO_ prefix
    purpose: str
    required: Callable[[Config], bool] = _always  # when production cannot run without it
    min_length: int = 0  # for the app's own secrets, which the operator generates
    derived: tuple[str, ...] = ()  # keys derived from it (so they need no setting of their own)


REGISTRY: tuple[Secret, ...] = (
    Secret("SECRET_KEY", "session cookies and CSRF tokens", min_length=32,
           derived=("the mail-login link signing key (HMAC-SHA256, maillogin.tokens.signing_key)",
                    "the ANAF token encryption key (HKDF, efactura.crypto)")),
    Secret("WEBHOOK_SECRET", "signature of payment notifications (sandbox gateway)", min_length=16),
    Secret("NETOPIA_API_KEY", "NETOPIA API key", _gateway("netopia")),
    Secret("NETOPIA_POS_SIGNATURE", "NETOPIA point-of-sale signature", _gateway("netopia")),
    Secret("STRIPE_SECRET_KEY", "Stripe secret key", _gateway("stripe")),
    Secret("STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret", _gateway("stripe")),
    Secret("ANAF_CLIENT_SECRET", "ANAF OAuth client secret (RO e-Factura)", _efactura_on),
    Secret("ANAF_REFRESH_TOKEN", "ANAF refresh token (optional bootstrap)", _never),
    Secret("SMTP_PASSWORD", "SMTP password (HOSTICO_SMTP_USER is set)", _smtp_login),
    Secret("SMS_API_KEY", "SMS provider API key", _sms_provider),
    Secret("METRICS_TOKEN", "bearer token of the Prometheus endpoint /metrics (optional)", _never, min_length=16),
)
# Settings that are URLs and may carry a password (user:password@host).
URL_SETTINGS = ("DATABASE_URL", "RATELIMIT_STORAGE_URL")

# Values published somewhere (this repository, its examples, its tests, common habits): never secret.
KNOWN_DEFAULTS = frozenset({
    "dev-webhook-secret", "test-secret-key", "secret", "password", "passw0rd", "changeit", "default", "dev",
    "development", "test", "testing", "example", "hostico", "hostico-demo", "admin", "none", "null", "todo",
    "x", "xxx", "sk_live_x", "whsec_x", "sk_test_x",
})
_PLACEHOLDER = re.compile(r"(?i)change[-_ ]?me|replace[-_ ]?me|^x{3,}(-x{3,})*$|^<.*>$|your[-_ ]|example")


def is_default(value: str, shipped_default: object = None) -> bool:
    """Whether a secret's value is public: the shipped default, a known value or a placeholder."""
    v = value.strip()
    if shipped_default not in (None, "") and v == str(shipped_default):
        return True
    return v.lower() in KNOWN_DEFAULTS or bool(_PLACEHOLDER.search(v))


def _shipped_default(name: str) -> object:
    return SETTINGS.get(name, (None, None))[0]


def problems(config: Config) -> list[str]:
    """One line per secret production cannot run with, naming the setting and never its value."""
    found = []
    for secret in REGISTRY:
        value = str(config.get(secret.name) or "").strip()
        setting = f"HOSTICO_{secret.name}"
        what = secret.purpose + (f"; also {', '.join(secret.derived)}" if secret.derived else "")
        if not value:
            if secret.required(config):
                found.append(f"{setting} must be set in production ({what})")
            continue
        if is_default(value, _shipped_default(secret.name)):
            found.append(f"{setting} is a default or placeholder value, published and so not secret ({what}): "
                         "set a random one")
        elif len(value) < secret.min_length:
            found.append(f"{setting} is too short ({what}): use at least {secret.min_length} random characters, "
                         "e.g. python -c 'import secrets; print(secrets.token_hex(32))'")
    for name in URL_SETTINGS:
        raw = str(config.get(name) or "")
        try:
            password = make_url(raw).password if raw else None
        except (ArgumentError, ValueError):
            continue  # not parseable here: the engine or the limiter reports it
        if password is not None and is_default(str(password)):
            found.append(f"HOSTICO_{name} has a default or placeholder password: set the real one")
    return found

"""Defaults and HOSTICO_* environment settings, in one place.

Every setting's default is written here once; the typed settings (hostico.settings.Settings and the domain's
settings dataclasses) take their defaults from `default()` and read a config through `read()`. Flask-free and
importing nothing of hostico, so every package may read it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ENV_PREFIX = "HOSTICO_"

# name -> (default, parser). Every setting can be overridden by HOSTICO_<NAME> or instance/config.py.
_BOOL = ("1", "true", "yes", "on")


def _bool(value: str) -> bool:
    return value.strip().lower() in _BOOL


def _int(value: str) -> int:
    return int(value)


def _decimal(value: str) -> Decimal:
    return Decimal(value)


def _optional_decimal(value: str) -> Decimal | None:
    return Decimal(value) if value.strip() else None


def _str(value: str) -> str:
    return value


SETTINGS: dict[str, tuple[object, object]] = {
    "DATABASE_URL": (None, _str),
    "SECRET_KEY": (None, _str),
    "BASE_URL": ("http://127.0.0.1:5000", _str),
    "ENV": ("development", _str),  # exactly development | test | production (ENVIRONMENTS; anything else refuses)
    "SMTP_HOST": ("127.0.0.1", _str),
    "SMTP_PORT": (1025, _int),
    "SMTP_USER": ("", _str),
    "SMTP_PASSWORD": ("", _str),
    "SMTP_STARTTLS": (False, _bool),
    "SMTP_TIMEOUT": (10, _int),
    "MAIL_FROM": ("Hostico <billing@hostico.example>", _str),
    "MAIL_BACKEND": ("smtp", _str),  # smtp | outbox (development: rendered, marked sent, read in the staff outbox)
    "MAIL_FILE": ("instance/mail.mbox", _str),  # outbox backend: emails as delivered (live links) in an mbox
    "SMS_BACKEND": ("log", _str),
    "SMS_FILE": ("instance/sms.jsonl", _str),
    "SMS_SENDER": ("Hostico", _str),
    "SMS_HOURS": ("09:00-19:00", _str),
    "SMS_MAX_SEGMENTS": (1, _int),
    "SMS_API_URL": ("", _str),
    "SMS_API_KEY": ("", _str),
    "SMS_ACCOUNT_SID": ("", _str),
    "SMS_SENDER_ID": ("", _str),  # smso: the id of the registered sender
    "SMS_TIMEOUT": (10, _int),
    "OUTBOX_MAX_ATTEMPTS": (8, _int),
    "OUTBOX_RETRY_BASE_SECONDS": (60, _int),
    "OUTBOX_RETRY_MAX_SECONDS": (21600, _int),
    "OUTBOX_CLAIM_TIMEOUT": (300, _int),
    "OUTBOX_BATCH_SIZE": (50, _int),
    "OUTBOX_THREADS": (4, _int),  # deliveries in flight at once per worker process (PostgreSQL; SQLite: 1)
    # accepted deliveries a lane records in one statement; 1 = each at once (a crash resends none but the one in flight)
    "OUTBOX_RECORD_GROUP": (1, _int),
    "TIMEZONE": ("Europe/Bucharest", _str),
    "DEFAULT_LOCALE": ("ro", _str),  # ro | en: the language of a visitor who has not chosen one
    "CURRENCY": ("RON", _str),
    # Romania's standard VAT rate by date ("first day:rate", oldest first); HOSTICO_VAT_RATE=N, when set,
    # is one rate at all dates and wins over the table.
    "VAT_RATES": ("2017-01-01:19,2025-08-01:21", _str),
    "VAT_RATE": (None, _optional_decimal),
    "RENEWAL_DAYS_BEFORE": (14, _int),
    "PROFORMA_DUE_DAYS": (14, _int),
    "REMINDER_DAYS": ("3,0", _str),
    "GRACE_DAYS": (7, _int),
    "ORDER_EXPIRY_DAYS": (14, _int),  # an order unpaid this long is cancelled by the billing run
    "MAX_OPEN_ORDERS": (3, _int),  # unpaid orders a customer may have at once (0: no limit)
    "APPROVE_NEW_BILLING_PROFILES": (False, _bool),
    "RATELIMIT_STORAGE_URL": ("memory://", _str),
    # Prometheus metrics at /metrics (docs/operations.md): the bearer token a scraper sends; empty: no endpoint.
    "METRICS_TOKEN": ("", _str),
    # Accounts (docs/accounts.md; docs/security.md items 4-5): server-side sessions and the password re-check (step-up).
    "FRESH_MINUTES": (10, _int),  # a password login or step-up lets sensitive changes through this long
    "SESSION_IDLE_DAYS": (14, _int),  # a customer's session unused this long is over
    "SESSION_MAX_HOURS": (720, _int),  # a customer's session ends this long after its login, used or not
    "STAFF_SESSION_MAX_HOURS": (12, _int),  # a staff session ends this long after its login (ASVS 3.3.2)
    "STAFF_IDLE_MINUTES": (60, _int),  # a staff session unused this long is over
    "STEP_UP_ATTEMPTS": (5, _int),  # wrong passwords at a step-up per account and window, then refused
    "STEP_UP_WINDOW_MINUTES": (15, _int),
    "PROXY_FIX": (0, _int),  # number of trusted reverse proxies in front (nginx: 1)
    "WEBHOOK_SECRET": ("dev-webhook-secret", _str),  # signs the sandbox gateway's notifications
    # Card payments (docs/payments.md): sandbox | netopia | stripe; empty = sandbox outside production, none in it.
    "PAYMENT_GATEWAY": ("", _str),
    "PAYMENT_TIMEOUT": (15, _int),
    "SANDBOX_NOTIFY_DELAY": (5, _int),  # seconds the sandbox's "delayed notification" card waits
    "CHECKOUT_MINUTES": (60, _int),  # a checkout's lifetime at the gateway (Stripe: 30 to 1440)
    "NETOPIA_API_URL": ("https://secure.mobilpay.ro/pay", _str),
    "NETOPIA_API_KEY": ("", _str),
    "NETOPIA_POS_SIGNATURE": ("", _str),
    "NETOPIA_PUBLIC_KEY": ("", _str),  # PEM of NETOPIA's public key (IPN signatures), or a path to it
    "STRIPE_API_URL": ("https://api.stripe.com", _str),
    "STRIPE_SECRET_KEY": ("", _str),
    "STRIPE_WEBHOOK_SECRET": ("", _str),
    "INLINE_WORKER": (False, _bool),
    "SELLER_NAME": ("Hostico SRL", _str),
    "SELLER_CUI": ("RO18547290", _str),
    "SELLER_REG_COM": ("J40/12345/2006", _str),
    "SELLER_ADDRESS": ("Str. Exemplu nr. 1, București, Sector 1, 010101, România", _str),
    "SELLER_BANK": ("Banca Transilvania", _str),
    "SELLER_IBAN": ("RO49AAAA1B31007593840000", _str),
    "SELLER_VAT_PAYER": (True, _bool),  # 0: not registered for VAT: no VAT charged, "neplătitor de TVA" printed
    "SELLER_CAPITAL": ("200 lei", _str),  # share capital printed on documents (Legea 31/1990 art. 74)
    "PROFORMA_SERIES": ("HPF", _str),
    "TAX_SERIES": ("HST", _str),
    "CREDIT_SERIES": ("HCN", _str),
    # ANAF's public registry of taxpayers (PlatitorTvaRest v9): the company lookup of the billing forms.
    "ANAF_PUBLIC_URL": ("https://webservicesp.anaf.ro", _str),
    "ANAF_PUBLIC_TIMEOUT": (5, _int),
    "BNR_RATES_URL": ("https://www.bnr.ro/nbrfxrates.xml", _str),  # BNR's daily reference rates (XML)
    "BNR_TIMEOUT": (10, _int),
    "BNR_REFRESH_SECONDS": (3600, _int),  # how often the worker reads the feed
    # VIES (the EU's VAT number check, REST API): confirms a VAT number before reverse charge.
    "VIES_URL": ("https://ec.europa.eu/taxation_customs/vies/rest-api", _str),
    "VIES_TIMEOUT": (10, _int),
    "VIES_RETRY_SECONDS": (900, _int),  # how often the worker asks again for numbers VIES could not check
    # RO e-Factura transport (docs/efactura.md): off | simulate | test | prod
    "EFACTURA": ("off", _str),
    "ANAF_API_URL": ("https://api.anaf.ro", _str),
    "ANAF_OAUTH_URL": ("https://logincert.anaf.ro/anaf-oauth2/v1", _str),
    "ANAF_CLIENT_ID": ("", _str),
    "ANAF_CLIENT_SECRET": ("", _str),
    "ANAF_REFRESH_TOKEN": ("", _str),
    "ANAF_REDIRECT_URI": ("", _str),  # default: BASE_URL + /staff/efactura/oauth/callback
    "ANAF_TIMEOUT": (30.0, float),
    "ANAF_REQUESTS_PER_MINUTE": (1000, _int),
    "EFACTURA_RETRY_BASE_SECONDS": (60, _int),
    "EFACTURA_RETRY_MAX_SECONDS": (3600, _int),
    "EFACTURA_RECHECK_MINUTES": (30, _int),
    "EFACTURA_SYNC_SECONDS": (60, _int),
    "EFACTURA_SIMULATOR_FILE": ("instance/efactura-simulator.json", _str),
}


ENVIRONMENTS = ("development", "test", "production")


def environment_problem(value: object) -> str | None:
    """Why HOSTICO_ENV cannot be used, or None: exactly one of ENVIRONMENTS, no other spelling (`Production`,
    `prod` or `production ` would otherwise start with development's secrets, gateway and cookies)."""
    if value in ENVIRONMENTS:
        return None
    return "HOSTICO_ENV must be exactly one of " + ", ".join(ENVIRONMENTS) + " (the value given is none of them)"


def default(name: str) -> Any:
    """The default of setting `name` (HOSTICO_<name>): the one place it is written."""
    return SETTINGS[name][0]


def read(cfg: Mapping[str, object], name: str) -> Any:
    """Setting `name` from a config (or any mapping of the names without the prefix); its default when the
    mapping lacks it (None counts as missing). The typed settings read every value through here."""
    value = cfg.get(name)
    return default(name) if value is None else value


def default_config(instance_path: str) -> dict[str, object]:
    """Return the default configuration, before instance/config.py and the environment."""
    cfg: dict[str, object] = {name: default for name, (default, _) in SETTINGS.items()}
    cfg["DATABASE_URL"] = "sqlite:///" + os.path.join(instance_path, "hostico.sqlite3")
    cfg.update(
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_TIMEZONE=default("TIMEZONE"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    return cfg


def from_environment(environ: os._Environ | dict[str, str] | None = None) -> dict[str, object]:
    """Read every HOSTICO_* variable that names a known setting, parsed to its type."""
    environ = os.environ if environ is None else environ
    out: dict[str, object] = {}
    for name, (_, parse) in SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is not None:
            out[name] = parse(raw)  # type: ignore[operator]
    return out

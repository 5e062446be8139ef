"""The app's settings as one typed object (no Flask), built once per app from its config.

The web layer keeps the app's object and hands it out (hostico.web.app_settings.settings()); the CLI commands
and the worker get the same object; the domain receives the part it needs (`settings().billing`, `.notify`,
`.accounts`, `.efactura`, `.payments`) as an argument and never reads a config. Defaults: hostico.config.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from hostico.accounts.settings import AccountSettings
from hostico.billing.settings import BillingSettings
from hostico.clock import business_today
from hostico.config import default
from hostico.efactura.settings import EfacturaSettings
from hostico.notify.settings import NotifySettings
from hostico.payments.gateways.base import GatewayConfig


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    base_url: str
    timezone: str
    database_url: str
    webhook_secret: str
    ratelimit_storage_url: str
    metrics_token: str
    billing: BillingSettings
    notify: NotifySettings
    accounts: AccountSettings
    efactura: EfacturaSettings
    payments: GatewayConfig

    @property
    def production(self) -> bool:
        return self.env == "production"

    def today(self) -> dt.date:
        """The business day now (in HOSTICO_TIMEZONE)."""
        return business_today(self.timezone)

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> Settings:
        """Build every part from a Flask config (or any mapping of HOSTICO_* names without the prefix)."""
        return cls(
            env=str(cfg.get("ENV") or default("ENV")),
            secret_key=str(cfg.get("SECRET_KEY") or ""),
            base_url=str(cfg.get("BASE_URL") or default("BASE_URL")),
            timezone=str(cfg.get("TIMEZONE") or default("TIMEZONE")),
            database_url=str(cfg.get("DATABASE_URL") or ""),
            webhook_secret=str(cfg.get("WEBHOOK_SECRET") or ""),
            ratelimit_storage_url=str(cfg.get("RATELIMIT_STORAGE_URL") or default("RATELIMIT_STORAGE_URL")),
            metrics_token=str(cfg.get("METRICS_TOKEN") or default("METRICS_TOKEN")),
            billing=BillingSettings.from_config(cfg),
            notify=NotifySettings.from_config(cfg),
            accounts=AccountSettings.from_config(cfg),
            efactura=EfacturaSettings.from_config(cfg),
            payments=GatewayConfig.from_config(cfg),
        )

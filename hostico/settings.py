"""The app's settings as one typed object (no Flask), built once per app from its config.

The web layer keeps the app's object and hands it out (hostico.web.app_settings.settings()); the domain
receives the part it needs (`settings().billing`, `.notify`, `.accounts`) as an argument and never reads a
config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hostico.accounts.settings import AccountSettings
from hostico.billing.settings import BillingSettings
from hostico.efactura.settings import EfacturaSettings
from hostico.notify.settings import NotifySettings


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    base_url: str
    timezone: str
    database_url: str
    webhook_secret: str
    billing: BillingSettings
    notify: NotifySettings
    accounts: AccountSettings
    efactura: EfacturaSettings

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> Settings:
        """Build every part from a Flask config (or any mapping of HOSTICO_* names without the prefix)."""
        return cls(
            env=str(cfg.get("ENV") or "development"),
            secret_key=str(cfg.get("SECRET_KEY") or ""),
            base_url=str(cfg.get("BASE_URL") or "http://127.0.0.1:5000"),
            timezone=str(cfg.get("TIMEZONE") or "Europe/Bucharest"),
            database_url=str(cfg.get("DATABASE_URL") or ""),
            webhook_secret=str(cfg.get("WEBHOOK_SECRET") or ""),
            billing=BillingSettings.from_config(cfg),
            notify=NotifySettings.from_config(cfg),
            accounts=AccountSettings.from_config(cfg),
            efactura=EfacturaSettings.from_config(cfg),
        )

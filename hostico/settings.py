"""The app's settings as one typed object, built once per app in create_app() from its config.

Views and commands read `settings()` (the current app's object); the Flask-free domain receives the
part it needs (`settings().billing`, `.notify`, `.accounts`) as an argument and never reads a config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app

from hostico.accounts.settings import AccountSettings
from hostico.billing.settings import BillingSettings
from hostico.efactura.settings import EfacturaSettings
from hostico.notify.settings import NotifySettings

EXTENSION_KEY = "hostico_settings"


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


def init_app(app: Flask) -> Settings:
    """Build the app's settings from its finished config and keep them in app.extensions.

    Called once by create_app(). Tests that change app.config afterwards call it again to rebuild.
    """
    built = Settings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = built
    return built


def settings(app: Flask | None = None) -> Settings:
    """Return the settings of app (default: the current app)."""
    return (app or current_app).extensions[EXTENSION_KEY]

"""The e-Factura transport settings, read once from the app config (HOSTICO_EFACTURA, HOSTICO_ANAF_*)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hostico.config import default, read
from hostico.efactura import seller as seller_data

MODES = ("off", "simulate", "test", "prod")


@dataclass(frozen=True)
class EfacturaSettings:
    mode: str = default("EFACTURA")
    api_url: str = default("ANAF_API_URL")
    oauth_url: str = default("ANAF_OAUTH_URL")
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    redirect_uri: str = ""
    secret_key: str = ""
    seller_cif: str = ""
    timeout: float = default("ANAF_TIMEOUT")
    requests_per_minute: int = default("ANAF_REQUESTS_PER_MINUTE")
    status_checks_per_day: int = 100
    retry_base_seconds: int = default("EFACTURA_RETRY_BASE_SECONDS")
    retry_max_seconds: int = default("EFACTURA_RETRY_MAX_SECONDS")
    recheck_minutes: int = default("EFACTURA_RECHECK_MINUTES")
    sync_interval: int = default("EFACTURA_SYNC_SECONDS")
    simulator_file: str = ""
    timezone: str = default("TIMEZONE")
    # The seller as the settings say now (HOSTICO_SELLER_*): a blocked document is rebuilt from it.
    seller: tuple[tuple[str, str], ...] = ()
    # ANAF's public registry of taxpayers (the company lookup of the billing forms); empty: never asked.
    registry_url: str = ""
    registry_timeout: float = default("ANAF_PUBLIC_TIMEOUT")

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def poll_unit(self) -> dt.timedelta:
        """The step of the status-polling schedule: minutes against ANAF, seconds against the simulator."""
        return dt.timedelta(seconds=1 if self.mode == "simulate" else 60)

    @property
    def environment(self) -> str:
        """The path segment of SPV's REST API: `test` for the test system, `prod` for real reports."""
        return "prod" if self.mode == "prod" else "test"

    @property
    def rest_base(self) -> str:
        return f"{self.api_url.rstrip('/')}/{self.environment}/FCTEL/rest"

    @property
    def cif_digits(self) -> str:
        """The seller's CIF without the RO prefix, as SPV's `cif` parameter wants it."""
        cif = self.seller_cif.strip().upper()
        return cif[2:] if cif.startswith("RO") else cif

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EfacturaSettings:
        mode = str(read(config, "EFACTURA") or default("EFACTURA")).strip().lower()
        if mode not in MODES:
            raise ValueError(f"HOSTICO_EFACTURA must be one of {', '.join(MODES)}, not {mode!r}")
        base_url = str(config.get("BASE_URL") or "").rstrip("/")

        def text(name: str) -> str:  # an empty value: the default
            return str(config.get(name) or default(name) or "")

        return cls(
            mode=mode,
            api_url=text("ANAF_API_URL"),
            oauth_url=text("ANAF_OAUTH_URL"),
            client_id=text("ANAF_CLIENT_ID"),
            client_secret=text("ANAF_CLIENT_SECRET"),
            refresh_token=text("ANAF_REFRESH_TOKEN"),
            redirect_uri=str(config.get("ANAF_REDIRECT_URI") or f"{base_url}/staff/efactura/oauth/callback"),
            secret_key=str(config.get("SECRET_KEY") or ""),
            seller_cif=str(config.get("SELLER_CUI") or ""),
            timeout=float(read(config, "ANAF_TIMEOUT")),
            requests_per_minute=int(read(config, "ANAF_REQUESTS_PER_MINUTE")),
            retry_base_seconds=int(read(config, "EFACTURA_RETRY_BASE_SECONDS")),
            retry_max_seconds=int(read(config, "EFACTURA_RETRY_MAX_SECONDS")),
            recheck_minutes=int(read(config, "EFACTURA_RECHECK_MINUTES")),
            sync_interval=int(read(config, "EFACTURA_SYNC_SECONDS")),
            simulator_file=str(config.get("EFACTURA_SIMULATOR_FILE") or ""),
            timezone=text("TIMEZONE"),
            seller=tuple(seller_data.from_config(config).items()),
            registry_url=str(read(config, "ANAF_PUBLIC_URL")),
            registry_timeout=float(read(config, "ANAF_PUBLIC_TIMEOUT")),
        )


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Why this e-Factura configuration must not run in production (empty: it may)."""
    mode = str(config.get("EFACTURA") or default("EFACTURA")).strip().lower()
    if mode not in MODES:
        return [f"HOSTICO_EFACTURA must be one of {', '.join(MODES)}, not {mode!r}"]
    if config.get("ENV") != "production":
        return []
    if mode == "simulate":
        # A stand-in that says `ok` would make the company believe its invoices reached ANAF.
        return ["HOSTICO_EFACTURA=simulate is refused in production: use prod (or test, or off)"]
    if mode in ("test", "prod") and not (config.get("ANAF_CLIENT_ID") and config.get("ANAF_CLIENT_SECRET")):
        return ["HOSTICO_ANAF_CLIENT_ID and HOSTICO_ANAF_CLIENT_SECRET must be set in production "
                f"when HOSTICO_EFACTURA={mode}"]
    return []

"""The e-Factura transport settings, read once from the app config (HOSTICO_EFACTURA, HOSTICO_ANAF_*)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from hostico.efactura import seller as seller_data

MODES = ("off", "simulate", "test", "prod")
DEFAULT_API_URL = "https://api.anaf.ro"
DEFAULT_OAUTH_URL = "https://logincert.anaf.ro/anaf-oauth2/v1"


@dataclass(frozen=True)
class EfacturaSettings:
    mode: str = "off"
    api_url: str = DEFAULT_API_URL
    oauth_url: str = DEFAULT_OAUTH_URL
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    redirect_uri: str = ""
    secret_key: str = ""
    seller_cif: str = ""
    timeout: float = 30.0
    requests_per_minute: int = 1000
    status_checks_per_day: int = 100
    retry_base_seconds: int = 60
    retry_max_seconds: int = 3600
    recheck_minutes: int = 30
    sync_interval: int = 60
    simulator_file: str = ""
    timezone: str = "Europe/Bucharest"
    # The seller as the settings say now (HOSTICO_SELLER_*): a blocked document is rebuilt from it.
    seller: tuple[tuple[str, str], ...] = ()

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
    def from_config(cls, config: Mapping) -> EfacturaSettings:
        mode = str(config.get("EFACTURA", "off") or "off").strip().lower()
        if mode not in MODES:
            raise ValueError(f"HOSTICO_EFACTURA must be one of {', '.join(MODES)}, not {mode!r}")
        base_url = str(config.get("BASE_URL", "")).rstrip("/")
        return cls(
            mode=mode,
            api_url=str(config.get("ANAF_API_URL") or DEFAULT_API_URL),
            oauth_url=str(config.get("ANAF_OAUTH_URL") or DEFAULT_OAUTH_URL),
            client_id=str(config.get("ANAF_CLIENT_ID") or ""),
            client_secret=str(config.get("ANAF_CLIENT_SECRET") or ""),
            refresh_token=str(config.get("ANAF_REFRESH_TOKEN") or ""),
            redirect_uri=str(config.get("ANAF_REDIRECT_URI") or f"{base_url}/staff/efactura/oauth/callback"),
            secret_key=str(config.get("SECRET_KEY") or ""),
            seller_cif=str(config.get("SELLER_CUI") or ""),
            timeout=float(config.get("ANAF_TIMEOUT", 30)),
            requests_per_minute=int(config.get("ANAF_REQUESTS_PER_MINUTE", 1000)),
            retry_base_seconds=int(config.get("EFACTURA_RETRY_BASE_SECONDS", 60)),
            retry_max_seconds=int(config.get("EFACTURA_RETRY_MAX_SECONDS", 3600)),
            recheck_minutes=int(config.get("EFACTURA_RECHECK_MINUTES", 30)),
            sync_interval=int(config.get("EFACTURA_SYNC_SECONDS", 60)),
            simulator_file=str(config.get("EFACTURA_SIMULATOR_FILE") or ""),
            timezone=str(config.get("TIMEZONE") or "Europe/Bucharest"),
            seller=tuple(seller_data.from_config(config).items()),
        )


def production_problems(config: Mapping) -> list[str]:
    """Why this e-Factura configuration must not run in production (empty: it may)."""
    mode = str(config.get("EFACTURA", "off") or "off").strip().lower()
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

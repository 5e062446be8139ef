"""The billing settings the domain needs, lifted out of the app config so the domain stays Flask-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class BillingSettings:
    currency: str = "RON"
    vat_rate: Decimal = Decimal("21")
    proforma_series: str = "HPF"
    tax_series: str = "HST"
    credit_series: str = "HCN"
    renewal_days_before: int = 14
    proforma_due_days: int = 14
    reminder_days: tuple[int, ...] = (3, 0)
    grace_days: int = 7
    timezone: str = "Europe/Bucharest"
    sms_hours: str = "09:00-19:00"
    approve_new_billing_profiles: bool = False
    seller: tuple[tuple[str, str], ...] = ()
    seller_vat_payer: bool = True
    bnr_rates_url: str = ""  # empty: never fetch (rates only from the table)
    bnr_timeout: float = 10.0
    vies_url: str = ""  # empty: VIES is never asked, so no VAT number is confirmed (no reverse charge)
    vies_timeout: float = 10.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> BillingSettings:
        """Build the settings from a Flask config (or any mapping of HOSTICO_* names)."""
        reminder = tuple(int(x) for x in str(cfg.get("REMINDER_DAYS", "3,0")).split(",") if x.strip())
        seller = (
            ("name", cfg.get("SELLER_NAME", "")),
            ("cui", cfg.get("SELLER_CUI", "")),
            ("reg_com", cfg.get("SELLER_REG_COM", "")),
            ("address", cfg.get("SELLER_ADDRESS", "")),
            ("bank", cfg.get("SELLER_BANK", "")),
            ("iban", cfg.get("SELLER_IBAN", "")),
        )
        return cls(
            currency=str(cfg.get("CURRENCY", "RON")),
            vat_rate=Decimal(str(cfg.get("VAT_RATE", "21"))),
            proforma_series=str(cfg.get("PROFORMA_SERIES", "HPF")),
            tax_series=str(cfg.get("TAX_SERIES", "HST")),
            credit_series=str(cfg.get("CREDIT_SERIES", "HCN")),
            renewal_days_before=int(cfg.get("RENEWAL_DAYS_BEFORE", 14)),
            proforma_due_days=int(cfg.get("PROFORMA_DUE_DAYS", 14)),
            reminder_days=reminder,
            grace_days=int(cfg.get("GRACE_DAYS", 7)),
            timezone=str(cfg.get("TIMEZONE", "Europe/Bucharest")),
            sms_hours=str(cfg.get("SMS_HOURS", "09:00-19:00")),
            approve_new_billing_profiles=bool(cfg.get("APPROVE_NEW_BILLING_PROFILES", False)),
            seller=tuple((k, str(v)) for k, v in seller),
            seller_vat_payer=bool(cfg.get("SELLER_VAT_PAYER", True)),
            bnr_rates_url=str(cfg.get("BNR_RATES_URL", "")),
            bnr_timeout=float(cfg.get("BNR_TIMEOUT", 10)),
            vies_url=str(cfg.get("VIES_URL", "")),
            vies_timeout=float(cfg.get("VIES_TIMEOUT", 10)),
        )

    def vat_rate_on(self, day: dt.date) -> Decimal:
        """Return Romania's standard VAT rate in force on `day`."""
        return self.vat_rate

    def seller_snapshot(self) -> dict[str, str]:
        """Return the seller's data as copied onto every invoice."""
        return dict(self.seller)

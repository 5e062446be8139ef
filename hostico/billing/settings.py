"""The billing settings the domain needs, lifted out of the app config so the domain stays Flask-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Romania's standard VAT rate by the day it took effect (Codul fiscal art. 291; 21% since 1 August 2025).
DEFAULT_VAT_RATES = "2017-01-01:19,2025-08-01:21"
VatRates = tuple[tuple[dt.date, Decimal], ...]


def parse_vat_rates(text: str) -> VatRates:
    """Parse `YYYY-MM-DD:N,...` (HOSTICO_VAT_RATES) into (first day, rate) pairs, oldest first."""
    pairs = []
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        day, sep, rate = item.partition(":")
        try:
            value = Decimal(rate.strip())
            pairs.append((dt.date.fromisoformat(day.strip()), value))
        except (ValueError, InvalidOperation):
            raise ValueError(f"HOSTICO_VAT_RATES: {item!r} is not YYYY-MM-DD:RATE") from None
        if not sep or not value.is_finite() or not 0 <= value <= 100:
            raise ValueError(f"HOSTICO_VAT_RATES: {item!r} is not YYYY-MM-DD:RATE (0-100)")
    if not pairs:
        raise ValueError("HOSTICO_VAT_RATES has no rate")
    if len({day for day, _ in pairs}) != len(pairs):
        raise ValueError("HOSTICO_VAT_RATES names a day twice")
    return tuple(sorted(pairs))


def vat_rates_from_config(cfg: Mapping[str, object]) -> VatRates:
    """HOSTICO_VAT_RATE (one rate at all dates) when set, otherwise the dated HOSTICO_VAT_RATES table."""
    single = cfg.get("VAT_RATE")
    if single is not None and str(single).strip() != "":
        return parse_vat_rates(f"1900-01-01:{single}")
    return parse_vat_rates(str(cfg.get("VAT_RATES") or DEFAULT_VAT_RATES))


@dataclass(frozen=True)
class BillingSettings:
    currency: str = "RON"
    vat_rates: VatRates = parse_vat_rates(DEFAULT_VAT_RATES)
    proforma_series: str = "HPF"
    tax_series: str = "HST"
    credit_series: str = "HCN"
    renewal_days_before: int = 14
    proforma_due_days: int = 14
    reminder_days: tuple[int, ...] = (3, 0)
    grace_days: int = 7
    order_expiry_days: int = 14  # an unpaid order older than this is cancelled, freeing its domain
    max_open_orders: int = 3  # unpaid orders per customer (0: no limit)
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
            ("capital", cfg.get("SELLER_CAPITAL", "")),  # share capital (Legea 31/1990 art. 74)
        )
        return cls(
            currency=str(cfg.get("CURRENCY", "RON")),
            vat_rates=vat_rates_from_config(cfg),
            proforma_series=str(cfg.get("PROFORMA_SERIES", "HPF")),
            tax_series=str(cfg.get("TAX_SERIES", "HST")),
            credit_series=str(cfg.get("CREDIT_SERIES", "HCN")),
            renewal_days_before=int(cfg.get("RENEWAL_DAYS_BEFORE", 14)),
            proforma_due_days=int(cfg.get("PROFORMA_DUE_DAYS", 14)),
            reminder_days=reminder,
            grace_days=int(cfg.get("GRACE_DAYS", 7)),
            order_expiry_days=int(cfg.get("ORDER_EXPIRY_DAYS", 14)),
            max_open_orders=int(cfg.get("MAX_OPEN_ORDERS", 3)),
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
        """Return Romania's standard VAT rate in force on `day` (the table's first rate before its first day)."""
        rate = self.vat_rates[0][1]
        for start, value in self.vat_rates:
            if start > day:
                break
            rate = value
        return rate

    def today(self) -> dt.date:
        """Return the business day now (in HOSTICO_TIMEZONE)."""
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def vat_rates_in_table(self) -> set[Decimal]:
        """Every standard rate of the table (a line at one of them follows the table)."""
        return {rate for _, rate in self.vat_rates}

    def seller_snapshot(self) -> dict[str, str]:
        """Return the seller's data as copied onto every invoice (with whether it is a VAT payer)."""
        return {**dict(self.seller), "vat_payer": "1" if self.seller_vat_payer else "0"}

"""The billing settings the domain needs, lifted out of the app config so the domain stays Flask-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hostico.clock import business_today
from hostico.config import default, read

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
    return parse_vat_rates(str(cfg.get("VAT_RATES") or default("VAT_RATES")))


def parse_days(text: str) -> tuple[int, ...]:
    """Parse `3,0` (HOSTICO_REMINDER_DAYS) into the days before the due date a reminder goes out."""
    return tuple(int(x) for x in str(text).split(",") if x.strip())


@dataclass(frozen=True)
class BillingSettings:
    """Defaults come from hostico.config (written there once); a hand-built instance (tests) has no seller and
    reaches no outside service (no BNR feed, no VIES)."""

    currency: str = default("CURRENCY")
    vat_rates: VatRates = parse_vat_rates(default("VAT_RATES"))
    proforma_series: str = default("PROFORMA_SERIES")
    tax_series: str = default("TAX_SERIES")
    credit_series: str = default("CREDIT_SERIES")
    renewal_days_before: int = default("RENEWAL_DAYS_BEFORE")
    proforma_due_days: int = default("PROFORMA_DUE_DAYS")
    reminder_days: tuple[int, ...] = parse_days(default("REMINDER_DAYS"))
    grace_days: int = default("GRACE_DAYS")
    order_expiry_days: int = default("ORDER_EXPIRY_DAYS")  # an unpaid order older than this is cancelled
    max_open_orders: int = default("MAX_OPEN_ORDERS")  # unpaid orders per customer (0: no limit)
    timezone: str = default("TIMEZONE")
    sms_hours: str = default("SMS_HOURS")
    approve_new_billing_profiles: bool = default("APPROVE_NEW_BILLING_PROFILES")
    seller: tuple[tuple[str, str], ...] = ()
    seller_vat_payer: bool = default("SELLER_VAT_PAYER")
    bnr_rates_url: str = ""  # empty: never fetch (rates only from the table)
    bnr_timeout: float = default("BNR_TIMEOUT")
    bnr_refresh_seconds: float = default("BNR_REFRESH_SECONDS")  # how often the worker reads the feed
    vies_url: str = ""  # empty: VIES is never asked, so no VAT number is confirmed (no reverse charge)
    vies_timeout: float = default("VIES_TIMEOUT")
    vies_retry_seconds: float = default("VIES_RETRY_SECONDS")  # how often the worker asks VIES again

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> BillingSettings:
        """Build the settings from a Flask config (or any mapping of HOSTICO_* names)."""
        seller = (
            ("name", read(cfg, "SELLER_NAME")),
            ("cui", read(cfg, "SELLER_CUI")),
            ("reg_com", read(cfg, "SELLER_REG_COM")),
            ("address", read(cfg, "SELLER_ADDRESS")),
            ("bank", read(cfg, "SELLER_BANK")),
            ("iban", read(cfg, "SELLER_IBAN")),
            ("capital", read(cfg, "SELLER_CAPITAL")),  # share capital (Legea 31/1990 art. 74)
        )
        return cls(
            currency=str(read(cfg, "CURRENCY")),
            vat_rates=vat_rates_from_config(cfg),
            proforma_series=str(read(cfg, "PROFORMA_SERIES")),
            tax_series=str(read(cfg, "TAX_SERIES")),
            credit_series=str(read(cfg, "CREDIT_SERIES")),
            renewal_days_before=int(read(cfg, "RENEWAL_DAYS_BEFORE")),
            proforma_due_days=int(read(cfg, "PROFORMA_DUE_DAYS")),
            reminder_days=parse_days(str(read(cfg, "REMINDER_DAYS"))),
            grace_days=int(read(cfg, "GRACE_DAYS")),
            order_expiry_days=int(read(cfg, "ORDER_EXPIRY_DAYS")),
            max_open_orders=int(read(cfg, "MAX_OPEN_ORDERS")),
            timezone=str(read(cfg, "TIMEZONE")),
            sms_hours=str(read(cfg, "SMS_HOURS")),
            approve_new_billing_profiles=bool(read(cfg, "APPROVE_NEW_BILLING_PROFILES")),
            seller=tuple((k, str(v)) for k, v in seller),
            seller_vat_payer=bool(read(cfg, "SELLER_VAT_PAYER")),
            bnr_rates_url=str(read(cfg, "BNR_RATES_URL")),
            bnr_timeout=float(read(cfg, "BNR_TIMEOUT")),
            bnr_refresh_seconds=float(read(cfg, "BNR_REFRESH_SECONDS")),
            vies_url=str(read(cfg, "VIES_URL")),
            vies_timeout=float(read(cfg, "VIES_TIMEOUT")),
            vies_retry_seconds=float(read(cfg, "VIES_RETRY_SECONDS")),
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
        return business_today(self.timezone)

    @property
    def vat_rates_in_table(self) -> set[Decimal]:
        """Every standard rate of the table (a line at one of them follows the table)."""
        return {rate for _, rate in self.vat_rates}

    def seller_snapshot(self) -> dict[str, str]:
        """Return the seller's data as copied onto every invoice (with whether it is a VAT payer)."""
        return {**dict(self.seller), "vat_payer": "1" if self.seller_vat_payer else "0"}

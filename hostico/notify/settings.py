"""The notification settings the worker needs, lifted out of the app config (no Flask here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hostico.config import default


@dataclass(frozen=True)
class NotifySettings:
    base_url: str = default("BASE_URL")
    secret_key: str = ""
    mail_backend: str = default("MAIL_BACKEND")
    mail_from: str = default("MAIL_FROM")
    mail_file: str = default("MAIL_FILE")
    smtp_host: str = default("SMTP_HOST")
    smtp_port: int = default("SMTP_PORT")
    smtp_user: str = default("SMTP_USER")
    smtp_password: str = default("SMTP_PASSWORD")
    smtp_starttls: bool = default("SMTP_STARTTLS")
    smtp_timeout: float = default("SMTP_TIMEOUT")
    sms_backend: str = default("SMS_BACKEND")
    sms_file: str = default("SMS_FILE")
    sms_sender: str = default("SMS_SENDER")
    sms_sender_id: str = default("SMS_SENDER_ID")
    sms_hours: str = default("SMS_HOURS")
    sms_max_segments: int = default("SMS_MAX_SEGMENTS")
    sms_api_url: str = default("SMS_API_URL")
    sms_api_key: str = default("SMS_API_KEY")
    sms_account_sid: str = default("SMS_ACCOUNT_SID")
    sms_timeout: float = default("SMS_TIMEOUT")
    timezone: str = default("TIMEZONE")
    max_attempts: int = default("OUTBOX_MAX_ATTEMPTS")
    retry_base_seconds: float = default("OUTBOX_RETRY_BASE_SECONDS")
    retry_max_seconds: float = default("OUTBOX_RETRY_MAX_SECONDS")
    claim_timeout_seconds: float = default("OUTBOX_CLAIM_TIMEOUT")
    batch_size: int = default("OUTBOX_BATCH_SIZE")
    delivery_lanes: int = default("OUTBOX_THREADS")
    record_group: int = default("OUTBOX_RECORD_GROUP")

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> NotifySettings:
        """Build the settings from a Flask config or any mapping of HOSTICO_* names (without the prefix)."""
        def get(name: str) -> Any:
            value = cfg.get(name)
            return default(name) if value is None or value == "" else value  # an empty value: the default

        return cls(
            base_url=str(get("BASE_URL")),
            secret_key=str(get("SECRET_KEY") or ""),
            mail_backend=str(get("MAIL_BACKEND")).lower(),
            mail_from=str(get("MAIL_FROM")),
            mail_file=str(get("MAIL_FILE")),
            smtp_host=str(get("SMTP_HOST")),
            smtp_port=int(get("SMTP_PORT")),
            smtp_user=str(get("SMTP_USER")),
            smtp_password=str(get("SMTP_PASSWORD")),
            smtp_starttls=bool(get("SMTP_STARTTLS")),
            smtp_timeout=float(get("SMTP_TIMEOUT")),
            sms_backend=str(get("SMS_BACKEND")).lower(),
            sms_file=str(get("SMS_FILE")),
            sms_sender=str(get("SMS_SENDER")),
            sms_sender_id=str(get("SMS_SENDER_ID")),
            sms_hours=str(get("SMS_HOURS")),
            sms_max_segments=int(get("SMS_MAX_SEGMENTS")),
            sms_api_url=str(get("SMS_API_URL")),
            sms_api_key=str(get("SMS_API_KEY")),
            sms_account_sid=str(get("SMS_ACCOUNT_SID")),
            sms_timeout=float(get("SMS_TIMEOUT")),
            timezone=str(get("TIMEZONE")),
            max_attempts=int(get("OUTBOX_MAX_ATTEMPTS")),
            retry_base_seconds=float(get("OUTBOX_RETRY_BASE_SECONDS")),
            retry_max_seconds=float(get("OUTBOX_RETRY_MAX_SECONDS")),
            claim_timeout_seconds=float(get("OUTBOX_CLAIM_TIMEOUT")),
            batch_size=int(get("OUTBOX_BATCH_SIZE")),
            delivery_lanes=int(get("OUTBOX_THREADS")),
            record_group=max(1, int(get("OUTBOX_RECORD_GROUP"))),
        )

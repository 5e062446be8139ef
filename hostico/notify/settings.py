"""The notification settings the worker needs, lifted out of the app config (no Flask here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NotifySettings:
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    mail_backend: str = "smtp"
    mail_from: str = "Hostico <billing@hostico.example>"
    mail_file: str = "instance/mail.mbox"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10
    sms_backend: str = "log"
    sms_file: str = "instance/sms.jsonl"
    sms_sender: str = "Hostico"
    sms_sender_id: str = ""
    sms_hours: str = "09:00-19:00"
    sms_max_segments: int = 1
    sms_api_url: str = ""
    sms_api_key: str = ""
    sms_account_sid: str = ""
    sms_timeout: float = 10
    timezone: str = "Europe/Bucharest"
    max_attempts: int = 8
    retry_base_seconds: float = 60
    retry_max_seconds: float = 6 * 3600
    claim_timeout_seconds: float = 300
    batch_size: int = 50

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> NotifySettings:
        """Build the settings from a Flask config or any mapping of HOSTICO_* names (without the prefix)."""
        def get(name: str, default: object) -> object:
            value = cfg.get(name)
            return default if value is None or value == "" and default != "" else value

        d = cls()
        return cls(
            base_url=str(get("BASE_URL", d.base_url)),
            secret_key=str(get("SECRET_KEY", "")),
            mail_backend=str(get("MAIL_BACKEND", d.mail_backend)).lower(),
            mail_from=str(get("MAIL_FROM", d.mail_from)),
            mail_file=str(get("MAIL_FILE", d.mail_file)),
            smtp_host=str(get("SMTP_HOST", d.smtp_host)),
            smtp_port=int(get("SMTP_PORT", d.smtp_port)),
            smtp_user=str(get("SMTP_USER", "")),
            smtp_password=str(get("SMTP_PASSWORD", "")),
            smtp_starttls=bool(get("SMTP_STARTTLS", False)),
            smtp_timeout=float(get("SMTP_TIMEOUT", d.smtp_timeout)),
            sms_backend=str(get("SMS_BACKEND", d.sms_backend)).lower(),
            sms_file=str(get("SMS_FILE", d.sms_file)),
            sms_sender=str(get("SMS_SENDER", d.sms_sender)),
            sms_sender_id=str(get("SMS_SENDER_ID", "")),
            sms_hours=str(get("SMS_HOURS", d.sms_hours)),
            sms_max_segments=int(get("SMS_MAX_SEGMENTS", d.sms_max_segments)),
            sms_api_url=str(get("SMS_API_URL", "")),
            sms_api_key=str(get("SMS_API_KEY", "")),
            sms_account_sid=str(get("SMS_ACCOUNT_SID", "")),
            sms_timeout=float(get("SMS_TIMEOUT", d.sms_timeout)),
            timezone=str(get("TIMEZONE", d.timezone)),
            max_attempts=int(get("OUTBOX_MAX_ATTEMPTS", d.max_attempts)),
            retry_base_seconds=float(get("OUTBOX_RETRY_BASE_SECONDS", d.retry_base_seconds)),
            retry_max_seconds=float(get("OUTBOX_RETRY_MAX_SECONDS", d.retry_max_seconds)),
            claim_timeout_seconds=float(get("OUTBOX_CLAIM_TIMEOUT", d.claim_timeout_seconds)),
            batch_size=int(get("OUTBOX_BATCH_SIZE", d.batch_size)),
        )

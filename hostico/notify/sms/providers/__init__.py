"""SMS provider adapters, chosen by HOSTICO_SMS_BACKEND: log, file, twilio, smso."""

from __future__ import annotations

from hostico.notify.settings import NotifySettings
from hostico.notify.sms.callbacks import callback_url
from hostico.notify.sms.providers.base import SmsProvider

BACKENDS = ("log", "file", "twilio", "smso")


def get_provider(settings: NotifySettings) -> SmsProvider:
    """Build the configured provider adapter."""
    name = settings.sms_backend
    if name == "log":
        from hostico.notify.sms.providers.log import LogProvider

        return LogProvider()
    if name == "file":
        from hostico.notify.sms.providers.file import FileProvider

        return FileProvider(settings.sms_file)
    if name == "twilio":
        from hostico.notify.sms.providers.twilio import TwilioProvider

        return TwilioProvider(account_sid=settings.sms_account_sid, auth_token=settings.sms_api_key,
                              base_url=settings.sms_api_url, timeout=settings.sms_timeout,
                              status_callback=callback_url(settings.base_url, name, settings.secret_key))
    if name == "smso":
        from hostico.notify.sms.providers.smso import SmsoProvider

        return SmsoProvider(api_key=settings.sms_api_key, sender_id=settings.sms_sender_id,
                            base_url=settings.sms_api_url, timeout=settings.sms_timeout,
                            status_callback=callback_url(settings.base_url, name, settings.secret_key))
    raise ValueError(f"unknown HOSTICO_SMS_BACKEND {name!r}; expected one of {', '.join(BACKENDS)}")

"""Email over SMTP: multipart text + HTML built with the standard library's email package."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hostico.models import utcnow
from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError
from hostico.notify.settings import NotifySettings


def build_message(*, sender: str, recipient: str, subject: str, text: str, html: str | None,
                  message_id: str | None = None) -> EmailMessage:
    """Build a multipart/alternative email (text first, HTML preferred by mail clients)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id or make_msgid(domain=_domain_of(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "hostico.example"


def send_smtp(msg: EmailMessage, settings: NotifySettings) -> str:
    """Send one email through the configured SMTP server; return its Message-ID."""
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentDeliveryError(f"smtp: recipient refused ({', '.join(map(str, codes))})") from exc
        raise TemporaryDeliveryError(f"smtp: recipient deferred ({', '.join(map(str, codes))})") from exc
    except smtplib.SMTPAuthenticationError as exc:
        # The operator's credentials are wrong: keep the message until they are fixed.
        raise TemporaryDeliveryError(f"smtp: authentication failed ({exc.smtp_code})") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPServerDisconnected):
            raise PermanentDeliveryError(f"smtp: {exc.smtp_code} {_text(exc.smtp_error)}"[:500]) from exc
        raise TemporaryDeliveryError(f"smtp: {exc.smtp_code} {_text(exc.smtp_error)}"[:500]) from exc
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers refused connections and timeouts
        raise TemporaryDeliveryError(f"smtp: {type(exc).__name__}: {exc}"[:500]) from exc
    return str(msg["Message-ID"])


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

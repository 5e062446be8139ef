"""The `log` SMS backend (development): writes the SMS to the application log, masking the number."""

from __future__ import annotations

import logging
import uuid

logger = logging.getLogger("hostico.sms")


def mask_number(number: str) -> str:
    """Keep only the country prefix and the last three digits of a phone number for logs."""
    return number[:3] + "…" + number[-3:] if len(number) > 6 else "…"


class LogProvider:
    name = "log"

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Log the SMS instead of sending it."""
        message_id = "log-" + uuid.uuid4().hex[:16]
        logger.info("SMS %s from %s to %s: %s", message_id, sender, mask_number(to), text)
        return message_id

    def close(self) -> None:
        """Nothing to release."""

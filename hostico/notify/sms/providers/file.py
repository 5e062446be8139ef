"""The `file` SMS backend (development, tests): one JSON object per line in HOSTICO_SMS_FILE."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

from hostico.notify.errors import TemporaryDeliveryError


class FileProvider:
    name = "file"
    delivers_at_once = True  # it writes the delivery receipt itself (docs/sms.md, Delivery receipts)

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Append the SMS as one JSON line, then its delivery receipt as another (one O_APPEND write, so parallel
        workers never interleave)."""
        message_id = "file-" + uuid.uuid4().hex[:16]
        at = dt.datetime.now(dt.UTC).isoformat()
        line = json.dumps({"id": message_id, "to": to, "sender": sender, "text": text, "at": at},
                          ensure_ascii=False) + "\n"
        line += json.dumps({"receipt": message_id, "status": "delivered", "at": at}) + "\n"
        try:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as exc:
            raise TemporaryDeliveryError(f"file: {exc.strerror}") from exc
        return message_id

    def close(self) -> None:
        """Nothing to release."""


def read_sms_file(path: str, *, receipts: bool = False) -> list[dict[str, Any]]:
    """Read back every SMS the file backend wrote (tests, the demo); with receipts=True, its receipt lines."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    return [line for line in lines if ("receipt" in line) == receipts]

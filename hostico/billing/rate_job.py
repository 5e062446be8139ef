"""The worker's BNR job: read the rate feed every HOSTICO_BNR_REFRESH_SECONDS (a failed read is retried
after RETRY_SECONDS, or sooner if the refresh interval is shorter), so documents rarely read it on demand."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from hostico.billing.bnr import BnrUnavailable
from hostico.billing.currency import refresh_rates
from hostico.billing.settings import BillingSettings
from hostico.db import advisory_lock

logger = logging.getLogger("hostico.worker")
RETRY_SECONDS = 300.0
LOCK = "bnr-read"  # one read at a time on every host (hostico.db.advisory_lock)


class RateRefresher:
    """Call `due()` at every worker pass: it reads the feed when the last good read is old enough."""

    def __init__(self, session_factory: Callable[[], Session], settings: BillingSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session_factory, self.clock = session_factory, clock
        self.url = settings.bnr_rates_url
        self.timeout = settings.bnr_timeout
        self.every = settings.bnr_refresh_seconds
        self.next_at: float | None = None

    def due(self) -> int | None:
        """Read the feed if due; return the number of new rates, or None when nothing was read."""
        if not self.url or (self.next_at is not None and self.clock() < self.next_at):
            return None
        self.next_at = self.clock() + min(self.every, RETRY_SECONDS)
        session = self.session_factory()
        try:
            with advisory_lock(session, LOCK) as held:
                if not held:
                    return None  # another worker reads the feed right now
                stored = refresh_rates(session, self.url, timeout=self.timeout)
                session.commit()
        except BnrUnavailable as exc:
            session.rollback()
            logger.warning("BNR rates not read (retried at the next pass): %s", exc)
            return None
        finally:
            session.close()
        self.next_at = self.clock() + self.every
        if stored:
            logger.info("stored %s new BNR rate(s)", stored)
        return stored

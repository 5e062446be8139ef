"""The worker's VIES job: every HOSTICO_VIES_RETRY_SECONDS, ask VIES again about the VAT numbers it
could not check (billing.vat_checks.recheck_pending); the billing run does the same once a day."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from hostico.billing.settings import BillingSettings
from hostico.billing.vat_checks import RecheckSummary, recheck_pending
from hostico.db import advisory_lock

logger = logging.getLogger("hostico.worker")
LOCK = "vies-recheck"  # one re-check at a time on every host (hostico.db.advisory_lock)


class ViesRechecker:
    """Call `due()` at every worker pass: it re-checks pending VAT numbers when the interval is over."""

    def __init__(self, session_factory: Callable[[], Session], settings: BillingSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session_factory, self.clock = session_factory, clock
        self.settings = settings
        self.every = settings.vies_retry_seconds
        self.next_at: float | None = None

    def due(self) -> RecheckSummary | None:
        """Re-check if due; return what was done, or None when it was not time yet."""
        if not self.settings.vies_url or (self.next_at is not None and self.clock() < self.next_at):
            return None
        self.next_at = self.clock() + self.every
        today = self.settings.today()
        session = self.session_factory()
        try:
            with advisory_lock(session, LOCK) as held:
                if not held:
                    return None  # another worker (or the billing run) asks VIES right now
                summary = recheck_pending(session, self.settings, today=today)
                session.commit()
        except Exception:
            session.rollback()
            logger.exception("VIES re-check failed (tried again at the next interval)")
            return None
        finally:
            session.close()
        return summary

"""A sliding-window limit on requests to ANAF (1,000 a minute), shared by every client in the process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Block until one more request fits in the last `per` seconds."""

    def __init__(self, limit: int, per: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limit, self.per, self.clock, self.sleep = limit, per, clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one slot; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and now - self._sent[0] >= self.per:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = self.per - (now - self._sent[0])
            self.sleep(pause)
            waited += pause


_shared: dict[int, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(limit: int) -> RateLimiter:
    """The process-wide limiter for `limit` requests a minute."""
    with _shared_lock:
        if limit not in _shared:
            _shared[limit] = RateLimiter(limit)
        return _shared[limit]

"""The settings the accounts domain needs (no Flask here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AccountSettings:
    fresh_seconds: int = 300  # a password login (or a step-up) counts as "fresh" this long
    session_idle_days: int = 14  # a server-side session unused this long is over
    step_up_attempts: int = 5  # wrong passwords per window before step-up is refused
    step_up_window_seconds: int = 900

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> AccountSettings:
        """Build the settings from a Flask config or any mapping of HOSTICO_* names (without the prefix)."""
        d = cls()
        return cls(
            fresh_seconds=int(cfg.get("FRESH_SECONDS") or d.fresh_seconds),
            session_idle_days=int(cfg.get("SESSION_IDLE_DAYS") or d.session_idle_days),
            step_up_attempts=int(cfg.get("STEP_UP_ATTEMPTS") or d.step_up_attempts),
            step_up_window_seconds=int(cfg.get("STEP_UP_WINDOW_SECONDS") or d.step_up_window_seconds),
        )

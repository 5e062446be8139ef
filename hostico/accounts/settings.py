"""The settings the accounts domain needs (no Flask here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AccountSettings:
    fresh_minutes: int = 10  # a password login (or a step-up) counts as "fresh" this long
    session_idle_days: int = 14  # a server-side session unused this long is over
    step_up_attempts: int = 5  # wrong passwords per window before step-up is refused
    step_up_window_minutes: int = 15

    @property
    def fresh_for(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.fresh_minutes)

    @property
    def session_idle(self) -> dt.timedelta:
        return dt.timedelta(days=self.session_idle_days)

    @property
    def step_up_window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.step_up_window_minutes)

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> AccountSettings:
        """Build the settings from a Flask config or any mapping of HOSTICO_* names (without the prefix)."""
        d = cls()

        def get(name: str, default: int) -> int:
            value = cfg.get(name)
            return default if value is None or value == "" else int(value)  # type: ignore[arg-type]

        return cls(
            fresh_minutes=get("FRESH_MINUTES", d.fresh_minutes),
            session_idle_days=get("SESSION_IDLE_DAYS", d.session_idle_days),
            step_up_attempts=get("STEP_UP_ATTEMPTS", d.step_up_attempts),
            step_up_window_minutes=get("STEP_UP_WINDOW_MINUTES", d.step_up_window_minutes),
        )

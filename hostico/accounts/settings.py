"""The settings the accounts domain needs (no Flask here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from hostico.config import default


@dataclass(frozen=True)
class AccountSettings:
    fresh_minutes: int = default("FRESH_MINUTES")  # a password login (or a step-up) counts as "fresh" this long
    session_idle_days: int = default("SESSION_IDLE_DAYS")  # a server-side session unused this long is over
    step_up_attempts: int = default("STEP_UP_ATTEMPTS")  # wrong passwords per window before step-up is refused
    step_up_window_minutes: int = default("STEP_UP_WINDOW_MINUTES")

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
        def get(name: str) -> int:
            value = cfg.get(name)
            return int(default(name) if value is None or value == "" else value)  # type: ignore[arg-type]

        return cls(
            fresh_minutes=get("FRESH_MINUTES"),
            session_idle_days=get("SESSION_IDLE_DAYS"),
            step_up_attempts=get("STEP_UP_ATTEMPTS"),
            step_up_window_minutes=get("STEP_UP_WINDOW_MINUTES"),
        )

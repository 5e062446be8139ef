"""The settings the accounts domain needs (no Flask here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from hostico.config import default


@dataclass(frozen=True)
class SessionLimits:
    """When a login session of one kind is over: unused for `idle`, or `max_age` after its login."""

    idle: dt.timedelta
    max_age: dt.timedelta


@dataclass(frozen=True)
class AccountSettings:
    fresh_minutes: int = default("FRESH_MINUTES")  # a password login (or a step-up) counts as "fresh" this long
    session_idle_days: int = default("SESSION_IDLE_DAYS")  # a customer's session unused this long is over
    session_max_hours: int = default("SESSION_MAX_HOURS")  # a customer's session ends this long after login
    staff_session_max_hours: int = default("STAFF_SESSION_MAX_HOURS")  # a staff session ends this long after login
    staff_idle_minutes: int = default("STAFF_IDLE_MINUTES")  # a staff session unused this long is over
    step_up_attempts: int = default("STEP_UP_ATTEMPTS")  # wrong passwords per window before step-up is refused
    step_up_window_minutes: int = default("STEP_UP_WINDOW_MINUTES")

    @property
    def fresh_for(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.fresh_minutes)

    @property
    def session_idle(self) -> dt.timedelta:
        return dt.timedelta(days=self.session_idle_days)

    def session_limits(self, kind: str) -> SessionLimits:
        """The idle time and absolute lifetime of a `customer` or `staff` session (docs/accounts.md)."""
        if kind == "staff":
            return SessionLimits(idle=dt.timedelta(minutes=self.staff_idle_minutes),
                                 max_age=dt.timedelta(hours=self.staff_session_max_hours))
        return SessionLimits(idle=self.session_idle, max_age=dt.timedelta(hours=self.session_max_hours))

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
            session_max_hours=get("SESSION_MAX_HOURS"),
            staff_session_max_hours=get("STAFF_SESSION_MAX_HOURS"),
            staff_idle_minutes=get("STAFF_IDLE_MINUTES"),
            step_up_attempts=get("STEP_UP_ATTEMPTS"),
            step_up_window_minutes=get("STEP_UP_WINDOW_MINUTES"),
        )

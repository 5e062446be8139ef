"""Run a staff action's domain change: commit it, or roll back and show the domain's refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import flash

from hostico.billing.errors import BillingError
from hostico.web.database import db
from hostico.web.i18n import error_message


class Change(NamedTuple):
    ok: bool
    value: Any = None


def run_change(change: Callable[[], Any]) -> Change:
    """Call the domain function and commit; on a BillingError roll back and flash its message."""
    try:
        value = change()
    except BillingError as err:
        db.session.rollback()
        flash(error_message(err), "error")
        return Change(False)
    db.session.commit()
    return Change(True, value)

"""Staff roles and what each may do. Every staff view declares its permission."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset({"admin", "billing", "support"}),
    "services.manage": frozenset({"admin", "billing", "support"}),
    "invoices.manage": frozenset({"admin", "billing"}),
    "invoices.resend": frozenset({"admin", "billing", "support"}),
    "payments.record": frozenset({"admin", "billing"}),
    "payments.refund": frozenset({"admin", "billing"}),
    "credit_notes.issue": frozenset({"admin", "billing"}),
    "outbox.manage": frozenset({"admin", "billing", "support"}),
    "billing.run": frozenset({"admin", "billing"}),
    "approvals.decide": frozenset({"admin", "billing"}),
    "maillogin.revoke": frozenset({"admin", "billing", "support"}),
    "sessions.end": frozenset({"admin", "billing", "support"}),  # log a customer out everywhere
    "accounts.reopen": frozenset({"admin", "support"}),  # undo a customer's closure (docs/accounts.md)
    "staff.manage": frozenset({"admin"}),
    "customers.create": frozenset({"admin", "support"}),  # open an account and invite the customer (docs/accounts.md)
    "efactura.manage": frozenset({"admin", "billing"}),
    "efactura.connect": frozenset({"admin"}),
    "reports.view": frozenset({"admin", "billing"}),  # the accountant's desk (docs/reports.md)
}


def can(permission: str) -> bool:
    """True when the logged-in staff user holds the permission."""
    role = getattr(current_user, "role", None)
    return role is not None and role in PERMISSIONS[permission]


def requires(permission: str):
    """Refuse (403) a staff view to roles without the permission."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission}")

    def decorator(view):
        view.staff_permission = permission

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator

"""The staff blueprint: bp, the staff-only gate (2FA passed), and the navigation."""

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Set in the session once a staff user has passed the second factor.
STAFF_MFA_KEY = "staff_mfa"

# (endpoint, label, permission): an entry shows only when the staff user holds the permission.
NAV = (
    ("staff.index", _l("Dashboard"), "view"),
    ("staff.customers", _l("Customers"), "view"),
    ("staff.approvals", _l("Approvals"), "approvals.decide"),
    ("staff.outbox", _l("Outbox"), "view"),
    ("staff.efactura", _l("e-Factura"), "view"),
    ("staff.billing_run", _l("Billing run"), "billing.run"),
    ("staff.payments_unmatched", _l("Bank statements"), "payments.record"),
    ("staff.credit_balances", _l("Credit balances"), "view"),
    ("staff.reports", _l("Reports"), "reports.view"),
    ("staff.audit", _l("Audit log"), "view"),
)


@bp.before_request
def require_staff():
    """Only staff users who passed 2FA may use /staff; customers get 403, others the staff login."""
    from hostico.web.security import is_public_endpoint

    if request.endpoint == "staff.login":
        return None
    if current_user.is_authenticated and getattr(current_user, "kind", None) != "staff":
        abort(403)
    if is_public_endpoint(request.endpoint):
        return None  # the second login steps: they check their own pending state
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
    if not session.get(STAFF_MFA_KEY):
        # Staff must pass 2FA: a staff session without it is sent back to the staff login.
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
    return None


@bp.context_processor
def inject_staff_nav():
    """Give staff templates their nav entries and the permission check."""
    from hostico.staff.permissions import can

    def nav():
        if not (current_user.is_authenticated and getattr(current_user, "kind", None) == "staff"):
            return []
        from hostico.web.app_settings import settings as app_settings

        hidden = set() if app_settings().efactura.enabled else {"staff.efactura"}
        return [(ep, label) for ep, label, perm in NAV if ep not in hidden and can(perm)]

    return {"staff_nav": nav, "can": can}

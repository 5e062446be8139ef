"""The staff area under /staff (the staff issue builds it)."""

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Set in the session once a staff user has passed the second factor.
STAFF_MFA_KEY = "staff_mfa"


@bp.before_request
def require_staff():
    """Only staff users may use /staff; customers get 403, anonymous visitors the staff login."""
    from hostico.security import is_public_endpoint

    if is_public_endpoint(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if getattr(current_user, "kind", None) != "staff":
        abort(403)
    if not session.get(STAFF_MFA_KEY):
        # Staff must pass 2FA: a staff session without it is sent back to the staff login.
        return redirect(url_for("auth.login", next=request.full_path))
    return None


@bp.route("/")
def index():
    """The staff dashboard."""
    return "Staff area"


# One module per area; each registers its views on bp.
from hostico.staff import approvals, outbox  # noqa: E402,F401

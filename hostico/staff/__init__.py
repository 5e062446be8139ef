"""The staff area under /staff (the staff issue builds it)."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("staff", __name__, url_prefix="/staff")


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
    return None


@bp.route("/")
def index():
    """The staff dashboard."""
    return "Staff area"

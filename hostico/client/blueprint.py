"""The client-area blueprint: bp, and the customers-only gate."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("client", __name__)


@bp.before_request
def require_customer():
    """Only customers may use the client area; staff have their own area."""
    if not current_user.is_authenticated:
        return None  # the app-wide gate sends anonymous visitors to /login
    if getattr(current_user, "kind", None) != "customer":
        if request.method == "GET":
            return redirect(url_for("staff.index"))
        abort(403)
    return None

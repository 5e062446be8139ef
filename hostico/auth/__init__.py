"""Customer authentication: login, logout (and the 2FA step)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from hostico.auth import routes  # noqa: E402,F401  (registers the views on bp)

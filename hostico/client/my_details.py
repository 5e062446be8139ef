"""My Details: one page made of sections, each owned by its module (contact & SMS, billing
profiles, security). Each section module exposes `context()` for the page and its own routes."""

from flask import render_template
from flask_login import current_user

from hostico.client import account_security, active_sessions, bp, contact, profiles


@bp.route("/my-details")
def my_details():
    """Show the customer's details, billing profiles and security settings."""
    ctx = {"customer": current_user}
    for section in (contact, profiles, account_security, active_sessions):
        ctx.update(section.context())
    return render_template("client/my_details.html", **ctx)

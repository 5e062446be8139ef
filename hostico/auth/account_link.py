"""Following the link of an account email: `/a/<token>` (password reset, sign-up confirmation, invitation).

The token is checked (never used up: mail scanners prefetch links), kept in this browser's session and the
browser sent on to the page of the link's purpose, so the token does not stay in the address bar; that page
uses it with a POST. Every answer is private (no-store, no referrer); a bad link of any kind gets one
neutral page. `/a/` is redacted in every log (hostico.maillogin.redact).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from hostico.accounts.link_tokens import InvalidAccountLink, peek, refused
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.password_reset import invalid_link_page, remember_link
from hostico.web.security import no_store, public, token_blueprint

bp = token_blueprint(Blueprint("accountlink", __name__, url_prefix="/a"))
RATE_LIMIT = "30 per minute;300 per day"

# purpose, kind of account -> the endpoint its link leads to
TARGETS = {
    ("password_reset", "customer"): "auth.password_reset_new",
    ("password_reset", "staff"): "staff.password_reset_new",
    ("signup", "customer"): "auth.signup_confirm",
    ("invitation", "customer"): "auth.invitation",
}


@bp.route("/<token>")
@public
@no_store
@limiter.limit(RATE_LIMIT)
def follow(token: str):
    """Check the link, keep its token for the next page, and go there with the token out of the address bar."""
    try:
        link = peek(db.session, token)
    except InvalidAccountLink as err:
        refused(db.session, err, ip=request.remote_addr)
        db.session.commit()
        return invalid_link_page(base="base.html", again=url_for("auth.password_reset"))
    target = TARGETS.get((link.purpose, link.owner_kind))
    if target is None:
        return invalid_link_page(base="base.html", again=url_for("auth.password_reset"))
    remember_link(token, link.purpose)
    return redirect(url_for(target), 303)

"""Following a mail-login link: `/m/<token>`, and the confirmation when another account is logged in."""

from __future__ import annotations

import time

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from hostico.accounts.mail_links import link_event, record_link_event
from hostico.maillogin import tokens
from hostico.models import Customer, Invoice, MailLoginToken
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.forms import EmptyForm
from hostico.web.login_session import end_session, start_session
from hostico.web.security import no_store, public, token_blueprint

PENDING_KEY = "maillogin_pending"
PENDING_SECONDS = 600
RATE_LIMIT = "30 per minute;300 per day"

# The request log (werkzeug, gunicorn) prints the path, which holds the token: masked there; every /m/ response,
# 429 and errors included, is private.
bp = token_blueprint(Blueprint("maillogin", __name__, url_prefix="/m"))


def _invoice_path(link: MailLoginToken) -> str | None:
    # tokens.verify() loaded the invoice with the link: no query then.
    invoice = db.session.get(Invoice, link.invoice_id)
    if invoice is None or invoice.customer_id != link.customer_id:
        return None
    return url_for("client.invoice", code=invoice.code)


def _actor() -> tuple[str, int | None]:
    if current_user.is_authenticated:
        return current_user.kind, current_user.id
    return "anonymous", None


def _audit(action: str, link: MailLoginToken | None, **data) -> None:
    kind, actor_id = _actor()
    record_link_event(db.session, action, link, actor_kind=kind, actor_id=actor_id, ip=request.remote_addr, **data)


def _is_link_owner(link: MailLoginToken | None) -> bool:
    return (link is not None and current_user.is_authenticated and current_user.kind == "customer"
            and current_user.id == link.customer_id)


def _predates_password(link: MailLoginToken, customer: Customer) -> bool:
    """A link minted before the last password change is dead even if its revocation was missed."""
    return customer.password_changed_at is not None and link.created_at <= customer.password_changed_at


def _refuse(err: tokens.InvalidLink):
    """One neutral answer for every bad link; the invoice is named only when the signature proved it."""
    _audit("maillogin.refused", err.record, reason=err.reason)
    db.session.commit()
    target = _invoice_path(err.record) if err.record is not None else None
    if current_user.is_authenticated and not _is_link_owner(err.record):
        target = None  # someone else is logged in here: their login page must not point at this invoice
    args = {"next": target} if target else {}
    return redirect(url_for("auth.login", reason="link", **args), 303)


def _proceed(customer: Customer, link: MailLoginToken, target: str):
    """Log the link's customer in (new, non-fresh session) or, with 2FA, send them to the full login."""
    if customer.totp_enabled:
        # Never logged in by a link: no session is created, the login page asks for password and code.
        tokens.count_use(db.session, link)
        _audit("maillogin.used", link, outcome="2fa_required")
        db.session.commit()
        return redirect(url_for("auth.login", next=target, reason="2fa"), 303)
    # The link's use is counted, and its use audited, by the statement that opens the session (one round trip).
    # The entry is the customer's, as the login's.
    used = link_event("maillogin.used", link, actor_kind=customer.kind, actor_id=customer.id, ip=request.remote_addr,
                      outcome="login")
    start_session(customer, fresh=False, via="mail", mail_link_id=link.id, with_update=tokens.use_statement(link),
                  audit_entries=[used])
    db.session.expire(link, ["use_count", "last_used_at"])
    db.session.commit()
    return redirect(target, 303)


@bp.route("/<token>")
@public
@no_store
@limiter.limit(RATE_LIMIT)
def follow(token: str):
    """Follow a link from an email: log in (or ask to) and show the invoice, the token out of the address bar."""
    try:
        link = tokens.verify(db.session, token, secret_key=app_settings().secret_key)
    except tokens.InvalidLink as err:
        return _refuse(err)
    target = _invoice_path(link)
    customer = db.session.get(Customer, link.customer_id)
    if target is None or customer is None:
        return _refuse(tokens.InvalidLink("unknown"))
    if _predates_password(link, customer):
        return _refuse(tokens.InvalidLink("revoked", link))
    # Counted on every path below, never burnt: mail scanners prefetch links before the customer clicks them.
    if _is_link_owner(link):
        tokens.count_use(db.session, link)
        _audit("maillogin.used", link, outcome="already_logged_in")
        db.session.commit()
        return redirect(target, 303)
    if current_user.is_authenticated:
        # Someone else is logged in here: never switch accounts silently, ask first (on a page whose
        # address does not hold the token).
        session[PENDING_KEY] = {"jti": link.jti, "at": int(time.time())}
        tokens.count_use(db.session, link)
        _audit("maillogin.used", link, outcome="confirm_switch")
        db.session.commit()
        return redirect(url_for("maillogin.switch"), 303)
    return _proceed(customer, link, target)


def _pending_link() -> MailLoginToken | None:
    pending = session.get(PENDING_KEY)
    if isinstance(pending, dict) and time.time() - pending.get("at", 0) <= PENDING_SECONDS:
        return tokens.live_record(db.session, str(pending.get("jti", "")))
    return None


@bp.route("/-/switch", methods=["GET", "POST"])
@public
@no_store
@limiter.limit(RATE_LIMIT)
def switch():
    """Ask whether to leave the current account for the link's one; on POST, log out and continue."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"), 303)
        if _pending_link() is None:
            session.pop(PENDING_KEY, None)
            return redirect(url_for("staff.index" if current_user.kind == "staff" else "client.dashboard"), 303)
        return render_template("maillogin/switch.html", form=EmptyForm())
    link = _pending_link()
    end_session(reason="switched")
    db.session.commit()
    if link is None:
        return redirect(url_for("auth.login", reason="link"), 303)
    customer = db.session.get(Customer, link.customer_id)
    target = _invoice_path(link)
    if customer is None or target is None or _predates_password(link, customer):
        return redirect(url_for("auth.login", reason="link"), 303)
    return _proceed(customer, link, target)

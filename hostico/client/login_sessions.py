"""My Details — where you are logged in: the customer's live sessions (device, address, last seen), and
ending one of them or all the others (a POST with CSRF; with htmx the section is swapped in place,
without JavaScript the POST answers with a 303 back to My Details)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hostico.accounts import login_sessions
from hostico.client import my_details
from hostico.client.blueprint import bp
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.htmx import is_htmx
from hostico.web.login_session import current_record

# (pattern, name): the first match names the browser / the system. Order matters (Edge and Opera say Chrome too).
_BROWSERS = ((r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS/", "Firefox"),
             (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari"), (r"curl/", "curl"))
_SYSTEMS = ((r"iPhone|iPad|iPod", "iOS"), (r"Android", "Android"), (r"Windows", "Windows"),
            (r"Mac OS X|Macintosh", "macOS"), (r"CrOS", "ChromeOS"), (r"Linux", "Linux"))


def describe_device(user_agent: str | None) -> str:
    """A short name for a browser's user agent ("Firefox on Linux"); the raw string is never shown."""
    ua = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, ua)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, ua)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")


def context(status_message: str | None = None) -> dict:
    """Data the sessions section of My Details needs."""
    current_id = getattr(current_record(), "id", None)
    rows = login_sessions.list_active(db.session, current_user,
                                      limits=app_settings().accounts.session_limits("customer"))
    return {"login_sessions": [
        {"id": r.id, "device": describe_device(r.user_agent), "ip": r.ip, "last_seen": r.last_seen_at,
         "created": r.created_at, "via_link": r.via == "maillink", "current": r.id == current_id}
        for r in rows], "sessions_status": status_message}


@my_details.section("sessions")
def _page_section(forms: dict) -> dict:
    return context()


def _section(message: str):
    """The section for htmx requests, otherwise back to My Details with the message."""
    if is_htmx():
        return render_template("client/_sessions.html", **context(message))
    flash(message, "success")
    return redirect(url_for("client.my_details") + "#sessions", 303)


@bp.route("/my-details/sessions/<int:session_id>/end", methods=["POST"])
def end_login_session(session_id: int):
    """End one of the customer's other sessions (that device is logged out at its next request)."""
    current = current_record()
    if current is not None and current.id == session_id:
        abort(400)  # this browser logs out with the Log out button
    if not login_sessions.end_own_session(db.session, current_user._get_current_object(), session_id,
                                          ip=request.remote_addr):
        abort(404)  # not theirs, or already over
    db.session.commit()
    return _section(_("That session was ended."))


@bp.route("/my-details/sessions/end-others", methods=["POST"])
def end_other_login_sessions():
    """End every session of the customer except this one."""
    count = login_sessions.end_customer_sessions(db.session, current_user._get_current_object(),
                                                 actor_kind="customer", actor_id=current_user.id, reason="customer",
                                                 keep=current_record(), ip=request.remote_addr)
    db.session.commit()
    return _section(ngettext("%(num)d other session was ended.", "%(num)d other sessions were ended.", count))

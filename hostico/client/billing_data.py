"""Asking a customer for billing data (docs/fiscal.md: no invoice without the buyer's name and full address).

A customer without complete billing data is asked once per login: their first page in the client area
is /my-details/billing-data, which explains why and holds the billing-profile form; saving it leads back
to the page they were going to. Until the data exists every client page shows a banner leading there.
The check runs when a password login starts the session (flask-login's user_logged_in signal; after a mail
link, on the first client page), and a session that found complete data remembers it: later pages cost no
query and do not rewrite the cookie.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from flask_login import current_user, user_logged_in

from hostico.billing.buyers.profiles import billing_profile_for
from hostico.client.blueprint import bp
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.htmx import is_htmx
from hostico.web.i18n import country_names
from hostico.web.redirects import safe_next

HAS_DATA = "billing_data_ok"  # session flag: a complete, usable billing profile was found
ASKED = "billing_data_asked"  # session flag: this session was already sent to the billing-data page
# Pages a customer without billing data may open without being sent to the billing-data page first (the
# order form asks for billing data itself).
NOT_ASKED_ON = frozenset({"client.billing_data", "client.my_details", "client.order", "client.new_profile",
                          "client.create_profile", "client.edit_profile", "client.company_lookup",
                          "client.invoice_pdf_download",
                          "client.invoice_xml_download", "client.checkout_status"})


def has_billing_data() -> bool:
    """True when the logged-in customer has complete billing data (remembered in the session once true)."""
    if session.get(HAS_DATA):
        return True
    found = g.get("has_billing_data")
    if found is None:
        found = g.has_billing_data = billing_profile_for(db.session, current_user.id,
                                                         app_settings().billing) is not None
    if found:
        session[HAS_DATA] = True
    return found


@user_logged_in.connect
def _check_at_login(sender, user, **extra) -> None:
    # A mail link's login stays one read (maillogin); its first client page checks instead.
    if getattr(user, "kind", None) != "customer" or request.blueprint == "maillogin":
        return
    if billing_profile_for(db.session, user.id, app_settings().billing) is not None:
        session[HAS_DATA] = True


def forget_billing_data() -> None:
    """Check again on the next page (a profile was deleted or changed)."""
    session.pop(HAS_DATA, None)
    g.pop("has_billing_data", None)


def _is_customer() -> bool:
    return current_user.is_authenticated and getattr(current_user, "kind", None) == "customer"


@bp.before_request
def ask_for_billing_data():
    """On the first client page of a session, send a customer without billing data to the form, once."""
    if (not _is_customer() or request.method != "GET" or is_htmx() or session.get(ASKED)
            or request.endpoint in NOT_ASKED_ON or session.get(HAS_DATA)):
        return None
    if has_billing_data():
        return None
    session[ASKED] = True
    return redirect(url_for("client.billing_data", next=request.full_path.rstrip("?")), 303)


@bp.context_processor
def billing_data_banner() -> dict:
    """`billing_data_missing` for the layout's banner (client pages of a customer who lacks the data)."""
    if not _is_customer() or session.get(HAS_DATA) or request.endpoint in NOT_ASKED_ON:
        return {}
    return {"billing_data_missing": not has_billing_data(),
            "billing_data_url": url_for("client.billing_data", next=request.full_path.rstrip("?"))}


@bp.route("/my-details/billing-data")
def billing_data():
    """Explain why billing data is needed and show the billing-profile form; saving leads back to `next`."""
    next_url = safe_next(request.args.get("next"), url_for("client.dashboard"))
    if has_billing_data():
        return redirect(next_url, 303)
    # A person's billing name is most often the account's: typed in already, to correct if need be.
    values = {"kind": "company" if request.args.get("kind") == "company" else "person", "country": "RO",
              "name": current_user.name, "is_default": "1", "next": next_url}
    return render_template("client/billing_data.html", profile=None, values=values, errors={}, profiles=[],
                           prefix="profile", countries=list(country_names().items()),
                           approval_required=False, for_profile=True, form_error=None, asked=True)

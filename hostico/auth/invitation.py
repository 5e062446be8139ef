"""Accepting an invitation from staff: the email's link (`/a/<token>`) leads to `/invitation`, where the customer
chooses a password and is logged in (rules: hostico.accounts.invitations, docs/accounts.md)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hostico.accounts import invitations
from hostico.accounts.credentials import CredentialError
from hostico.accounts.link_tokens import InvalidAccountLink
from hostico.auth.blueprint import bp
from hostico.web import password_reset as links
from hostico.web.database import db
from hostico.web.extensions import limiter
from hostico.web.i18n import error_message
from hostico.web.login_session import start_session
from hostico.web.security import no_store, public


@bp.route("/invitation", methods=["GET", "POST"])
@public
@limiter.limit(links.NEW_PASSWORD_LIMIT, methods=["POST"])
@no_store
def invitation():
    """Choose the password of an account staff opened, with the invitation link followed in this browser."""
    token = links.remembered_token(invitations.PURPOSE)
    try:
        customer = invitations.check_link(db.session, token)
    except InvalidAccountLink:
        return links.invalid_link_page(base="base.html", again=url_for("auth.password_reset"))
    form = links.NewPasswordForm()
    if form.validate_on_submit():
        try:
            customer = invitations.accept(db.session, token, form.password.data, ip=request.remote_addr)
        except InvalidAccountLink:
            db.session.rollback()
            return links.invalid_link_page(base="base.html", again=url_for("auth.password_reset"))
        except CredentialError as err:
            db.session.rollback()
            form.password.errors.append(error_message(err))
        else:
            links.forget_link()
            start_session(customer)
            db.session.commit()
            flash(_("Your password is saved. Welcome to Hostico!"), "success")
            return redirect(url_for("client.dashboard"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/invitation.html", form=form, customer=customer), status

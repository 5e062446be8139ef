"""A staff user's forgotten password: `/staff/password/reset`, as for customers (hostico.web.password_reset); the
staff login still asks the authenticator code afterwards."""

from __future__ import annotations

from hostico.staff.blueprint import bp
from hostico.web import password_reset

password_reset.register(bp, kind="staff", base="staff/base.html", login="staff.login")

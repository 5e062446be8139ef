"""A customer's forgotten password: `/password/reset` asks the address, the emailed link's form sets a new one
(the pages and rules are shared with staff: hostico.web.password_reset, hostico.accounts.recovery)."""

from __future__ import annotations

from hostico.auth.blueprint import bp
from hostico.web import password_reset

password_reset.register(bp, kind="customer", base="base.html", login="auth.login")

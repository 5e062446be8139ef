"""Customer authentication: login, logout (and the 2FA step), thin views over hostico.accounts; the `/m/` route
of mail-login links is mail_link.py (its own blueprint, "maillogin")."""

from hostico.auth import invitation, recovery, routes, signup, twofactor  # noqa: F401  (register the views on bp)
from hostico.auth.blueprint import bp

__all__ = ["bp"]

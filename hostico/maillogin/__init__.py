"""Log in from mail: signed links on invoice numbers in emails (DESIGN 2.2).

The package is Flask-free but for `routes.py` (tokens, links, log redaction), so the notification worker
can mint links without loading any view; the `/m/` blueprint lives in `routes.py`. Revoking a customer's
links is an account operation: hostico.accounts.mail_links.
"""

"""Log in from mail: signed links on invoice numbers in emails (docs/mail-login.md).

The package is Flask-free (tokens, links, revocation, log redaction), so the notification worker can
mint links without loading any view; the `/m/` blueprint lives in `routes.py`.
"""

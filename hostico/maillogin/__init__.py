"""Log in from mail: signed links on invoice numbers in emails (docs/mail-login.md).

The package is Flask-free (tokens, links, log redaction), so the notification worker can mint links without
loading any view. The `/m/` route that follows a link is a login view: hostico/auth/mail_link.py. Revoking a
customer's links is an account operation: hostico.accounts.mail_links.
"""

"""Hostico Billing. The web app is built by hostico.web.app.create_app (wsgi.py); the domain packages
(billing, notify, accounts, efactura, payments) load without Flask."""

"""The web layer: everything only a Flask request needs. The app factory (app.py), extensions, the app's db and
settings, request hooks and security headers, htmx helpers, i18n glue and template filters, the base form,
login sessions, PDFs, and the callback blueprints of payment gateways and SMS providers (callbacks.py, and
sandbox_gateway.py outside production). Nothing in the domain packages imports it."""

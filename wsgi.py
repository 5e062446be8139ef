"""WSGI entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

from hostico import create_app

app = create_app()

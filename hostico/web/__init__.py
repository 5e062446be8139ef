"""The web layer: what only a Flask request needs (forms, and in time the app factory, hooks and helpers)."""

"""The current app's settings (hostico.settings.Settings), built once per app in create_app() from its config.

Views and commands read `settings()`; the Flask-free domain receives the part it needs (`settings().billing`,
`.notify`, `.accounts`) as an argument and never reads a config.
"""

from __future__ import annotations

from flask import Flask, current_app

from hostico.settings import Settings

EXTENSION_KEY = "hostico_settings"


def init_app(app: Flask) -> Settings:
    """Build the app's settings from its finished config and keep them in app.extensions.

    Called once by create_app(). Tests that change app.config afterwards call it again to rebuild.
    """
    built = Settings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = built
    return built


def settings(app: Flask | None = None) -> Settings:
    """Return the settings of app (default: the current app)."""
    return (app or current_app).extensions[EXTENSION_KEY]

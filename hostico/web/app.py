"""The application factory: config, extensions, blueprints, request hooks, error handlers, template helpers, CLI."""

from __future__ import annotations

import os
import secrets

from flask import Flask, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from hostico.config import default_config, from_environment
from hostico.web import (
    app_settings,
    cookie_session,
    csrf_tokens,
    health,
    htmx,
    i18n,
    ids,
    observability,
    production,
    request_language,
    urls,
    words,
)
from hostico.web.database import db
from hostico.web.extensions import babel, csrf, limiter, login_manager
from hostico.web.htmx import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION, is_htmx
from hostico.web.security import is_public_endpoint, reject_nul_bytes, set_security_headers
from hostico.web.templating import HosticoEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app: defaults, instance/config.py, HOSTICO_* env, then test_config."""
    app = Flask(
        "hostico",
        instance_path=os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.jinja_environment = HosticoEnvironment  # before the environment is first used (hostico/web/templating.py)
    ids.init_app(app)  # every <int:…> id is bounded (before any route is added)
    app.config.update(default_config(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    _finish_config(app)
    app_settings.init_app(app)  # the one typed settings object: app.extensions["hostico_settings"]

    cookie_session.init_app(app)  # Flask's signed cookie session, each cookie verified once
    db.init_app(app)
    csrf.init_app(app)
    csrf_tokens.init_app(app)  # the templates' csrf_token(): a signed token reused for a minute
    babel.init_app(app, locale_selector=request_language.request_locale,
                   timezone_selector=lambda: app_settings.settings(app).timezone)
    i18n.init_app(app)
    words.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    _register_blueprints(app)
    health.init_app(app)
    _register_hooks(app)
    observability.init_app(app)  # its request hook goes first: every line of a request carries its id
    _register_template_helpers(app)
    _register_cli(app)
    production.init_app(app)
    if app.config.get("INLINE_WORKER") and not app.config.get("TESTING"):
        from hostico.commands.worker import start_inline_worker

        start_inline_worker(app)  # `make run`: notifications are delivered without a separate worker
    return app


def _finish_config(app: Flask) -> None:
    from hostico.config import environment_problem
    from hostico.secret_settings import UnsafeConfiguration

    if app.config.get("ENV") is None:
        app.config["ENV"] = "development"
    if (problem := environment_problem(app.config.get("ENV"))) is not None:
        raise UnsafeConfiguration([problem])  # before anything reads it: never a half-production app
    production = app.config.get("ENV") == "production"
    if not app.config.get("SECRET_KEY") and not production:
        app.config["SECRET_KEY"] = _development_secret(app.instance_path)
    _choose_payment_gateway(app)
    _refuse_unsafe_config(app.config, production=production)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        # Redis down must not lock everyone out: count in memory until it is back.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    if app.config["DEFAULT_LOCALE"] not in i18n.SUPPORTED_LOCALES:
        raise RuntimeError(f"HOSTICO_DEFAULT_LOCALE must be one of {', '.join(i18n.SUPPORTED_LOCALES)}")
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    if app.config.get("ENV") == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _choose_payment_gateway(app: Flask) -> None:
    """Resolve HOSTICO_PAYMENT_GATEWAY: the sandbox by default outside production, never in production."""
    production = app.config.get("ENV") == "production"
    name = (app.config.get("PAYMENT_GATEWAY") or "").strip().lower()
    if not name:
        name = "" if production else "sandbox"
    if name not in ("", "sandbox", "netopia", "stripe"):
        raise RuntimeError(f"HOSTICO_PAYMENT_GATEWAY={name!r}: use sandbox, netopia or stripe")
    app.config["PAYMENT_GATEWAY"] = name


def _refuse_unsafe_config(config, *, production: bool) -> None:
    """Refuse to start with every reason at once: in production a missing or default secret of any kind
    (hostico.secret_settings), a sandbox or incomplete gateway, an e-Factura stand-in, seller data that would
    fail CIUS-RO (hostico.efactura.seller); a bad e-Factura mode anywhere. The message names settings, never
    their values."""
    from hostico import secret_settings
    from hostico.billing.settings import BillingSettings
    from hostico.efactura.seller import problems as seller_problems
    from hostico.efactura.settings import production_problems as efactura_problems
    from hostico.payments.gateways import production_problems as gateway_problems

    found = list(efactura_problems(config))
    if production:
        found = secret_settings.problems(config) + gateway_problems(config) + found
        found += seller_problems(BillingSettings.from_config(config).seller_snapshot())
    named, unique = set(), []
    for line in found:  # a secret both the registry and its gateway report is named once
        setting = line.split(" ", 1)[0]
        if setting.startswith("HOSTICO_") and setting in named:
            continue
        named.add(setting)
        unique.append(line)
    if unique:
        raise secret_settings.UnsafeConfiguration(unique)


def _development_secret(instance_path: str) -> str:
    """Keep a random per-checkout secret in instance/ so development sessions survive restarts."""
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    from hostico.web.login_session import load_user

    login_manager.user_loader(load_user)  # checks the server-side session record on every request


def _register_blueprints(app: Flask) -> None:
    from hostico.auth import bp as auth_bp
    from hostico.auth.account_link import bp as accountlink_bp
    from hostico.auth.mail_link import bp as maillogin_bp
    from hostico.client import bp as client_bp
    from hostico.staff import bp as staff_bp
    from hostico.web.callbacks import bp as hooks_bp

    for bp in (auth_bp, accountlink_bp, client_bp, maillogin_bp, staff_bp, hooks_bp):
        app.register_blueprint(bp)
    if app_settings.settings(app).payments.name == "sandbox":  # never in production (see _choose_payment_gateway)
        from hostico.web.sandbox_gateway import bp as sandbox_bp

        app.register_blueprint(sandbox_bp)


def _login_url_for(endpoint: str | None) -> str:
    # A session that was ended (logout elsewhere, revoked, idle) says so on the login page.
    args = {"reason": "ended"} if g.get("session_ended") else {}
    if endpoint and endpoint.startswith("staff."):
        return url_for("staff.login", next=request.full_path.rstrip("?"), **args)
    return url_for("auth.login", next=request.full_path.rstrip("?"), **args)


def _register_hooks(app: Flask) -> None:
    from hostico.web.database import begin_request
    from hostico.web.login_session import check_session

    app.before_request(begin_request)  # a view marked @reads_only reads without a transaction, session check too
    app.before_request(check_session)  # first: a revoked session is logged out before anything else runs

    @app.before_request
    def default_deny():
        """Every view requires a login unless it is marked @public."""
        if is_public_endpoint(request.endpoint) or current_user.is_authenticated:
            return None
        target = _login_url_for(request.endpoint)
        if request.headers.get("HX-Request") == "true":
            # The login page must never land inside a table cell: make htmx navigate instead.
            resp = app.make_response(("", 401))
            resp.headers["HX-Redirect"] = target
            return resp
        if request.method != "GET":
            return app.make_response(("Login required", 401))
        return redirect(target)

    app.before_request(reject_nul_bytes)
    app.after_request(set_security_headers)
    app.after_request(htmx.vary_on(*htmx.VARY, *request_language.VARY))  # partials and languages: one update of Vary

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        if is_htmx() or request.is_json:
            return jsonify(error="The form expired or was sent from elsewhere. Reload the page and try again."), 400
        return render_template("errors/400.html", message=err.description), 400

    @app.errorhandler(404)
    def not_found(err):
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(err):
        _audit_refusal()
        return render_template("errors/403.html"), 403

    @app.errorhandler(413)
    def too_large(err):
        from flask_babel import gettext

        size = "{:g}".format((app.config.get("MAX_CONTENT_LENGTH") or 0) / 1048576)
        return render_template("errors/400.html", message=gettext(
            "The file is too large: at most %(size)s MB can be sent at once.", size=size)), 413

    @app.errorhandler(429)
    def too_many(err):
        return render_template("errors/429.html"), 429

    @app.errorhandler(500)
    def server_error(err):
        db.session.rollback()
        return render_template("errors/500.html"), 500


def _audit_refusal() -> None:
    """Keep a 403 in the audit log (docs/security.md item 14), whatever the refused request had pending."""
    from hostico.audit import access_refused
    from hostico.maillogin.redact import redact

    user = current_user if current_user.is_authenticated else None
    try:
        db.session.rollback()
        access_refused(db.session, actor_kind=getattr(user, "kind", "anonymous"), actor_id=getattr(user, "id", None),
                       endpoint=request.endpoint, method=request.method, path=redact(request.path),
                       ip=request.remote_addr)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal is answered even when the log cannot be written
        db.session.rollback()
        current_app.logger.exception("could not audit a refused request")


def _register_template_helpers(app: Flask) -> None:
    # The money, date and datetime filters are in hostico/web/i18n.py.
    @app.context_processor
    def inject():
        return {"htmx_version": HTMX_VERSION, "htmx_sri": HTMX_SRI, "htmx_cdn": HTMX_CDN_URL}

    urls.init_app(app)  # the templates' url_for remembers the URLs it built



def _register_cli(app: Flask) -> None:
    from hostico.commands import register

    register(app)

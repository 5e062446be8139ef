"""Log in from mail: signed links on invoice numbers in emails (DESIGN 2.2)."""

from flask import Blueprint

from hostico.maillogin.redact import install_log_redaction

bp = Blueprint("maillogin", __name__, url_prefix="/m")


@bp.record_once
def _redact_logs(state) -> None:
    # The request log (werkzeug, gunicorn) prints the path, which holds the token: mask it there.
    install_log_redaction(state.app.logger.name)


from hostico.maillogin import routes  # noqa: E402,F401  (registers the views on bp)

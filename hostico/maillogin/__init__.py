"""Log in from mail: signed links on invoice numbers in emails (the mail-login issue builds it)."""

from flask import Blueprint

bp = Blueprint("maillogin", __name__, url_prefix="/m")

"""The customer authentication blueprint (its views register on it from routes.py and twofactor.py)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

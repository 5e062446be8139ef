"""Payments from outside the app: gateway adapters and bank-statement import (Flask-free)."""

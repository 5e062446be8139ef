"""Payments that come from outside (docs/payments.md): hosted card checkouts through a gateway, refunds, statements.

Flask-free: plain functions on a session and small adapters, one per gateway (`gateways/`).
"""

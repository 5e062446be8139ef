"""Notifications: the outbox (written with the business change), its worker, email and SMS delivery."""

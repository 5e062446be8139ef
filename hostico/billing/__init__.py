"""The billing domain: plain functions on a session, typed errors, no Flask imports.

Functions here change state and flush but never commit: the caller (a request, the CLI, the worker)
commits once, so a business change and its outbox records land together or not at all.
"""

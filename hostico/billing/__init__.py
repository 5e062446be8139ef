"""The billing domain: plain functions on a session, typed errors, no Flask imports.

Functions here change state and flush but never commit: the caller (a request, the CLI, the worker)
commits once, so a business change and its outbox records land together or not at all.

The one exception is the daily billing run (`billing/run.py`), which commits batch by batch: it may
touch every due service of the database, and one transaction for all of them would hold its locks and
memory for the whole run and lose everything on a crash. Each batch is whole in itself (its proformas,
their outbox rows, the summary so far), and the run is idempotent, so a run killed midway is simply run
again (docs/billing.md, "The billing run").
"""

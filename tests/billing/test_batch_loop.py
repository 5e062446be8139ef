"""The billing run's batch loop (run lock, body, commit, progress) is written once: billing.run._batches."""

from __future__ import annotations

import ast
import pathlib

RUN = pathlib.Path(__file__).resolve().parents[2] / "hostico" / "billing" / "run.py"


def _callers(name: str) -> list[str]:
    tree = ast.parse(RUN.read_text())
    found = []
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        if any(isinstance(c, ast.Call) and getattr(c.func, "id", None) == name for c in ast.walk(func)):
            found.append(func.name)
    return found


def test_the_batch_loop_lives_once():
    assert _callers("_chunks") == ["_batches"]
    assert _callers("_lock_batch") == ["_batches"]
    assert set(_callers("_batches")) == {"_reprice_unpaid", "_issue_renewals", "_send_reminders",
                                         "_suspend_overdue", "_expire_orders"}

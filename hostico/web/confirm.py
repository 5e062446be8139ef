"""Confirm before a destructive action: a two-step POST that works without JavaScript.

A form for a destructive action (refund, suspend, terminate, cancel a proforma, delete a billing
profile) posts once without `confirm`: the view validates the input, then answers with a page that
says what will happen and repeats the same POST with `confirm=yes`. With htmx the form carries
`hx-confirm` (the browser asks) and `hx-vals` with `confirm=yes`, so one click and one question do it
(docs/staff-area.md#confirming-destructive-actions).
"""

from __future__ import annotations

from flask import render_template, request

from hostico.web.htmx import is_htmx

# What a checkbox or the confirmation page sends: any of these means "yes, do it".
YES = frozenset({"yes", "y", "1", "on", "true"})


def confirmed() -> bool:
    """True when the POST carries the confirmation (the second step, or htmx after hx-confirm)."""
    return (request.form.get("confirm") or "").strip().lower() in YES


def confirmation(*, title: str, question: str, button: str, back_url: str, base: str = "base.html",
                 details: list[str] | None = None) -> str:
    """Render the confirmation step: what will happen, the same POST again with confirm=yes, and a way back."""
    fields = [(name, value) for name, values in request.form.lists() if name not in ("csrf_token", "confirm")
              for value in values]
    context = {"title": title, "question": question, "button": button, "back_url": back_url, "base": base,
               "details": details or [], "fields": fields, "action": request.path}
    return render_template("_confirm.html" if is_htmx() else "confirm.html", **context)

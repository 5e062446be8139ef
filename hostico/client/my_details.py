"""My Details: one page made of sections (contact & SMS, billing profiles, security), each owned by its
module. A section module registers how to build its part of the page with `section` and re-renders the
page with its forms carrying errors through `render_page`. This module imports none of the sections, so
the page and its sections import each other in one direction only."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from flask_login import current_user

from hostico.client.blueprint import bp

SectionContext = Callable[[dict], dict]
_sections: dict[str, SectionContext] = {}


def section(name: str) -> Callable[[SectionContext], SectionContext]:
    """Register a section's context builder; it gets the forms that carry errors (by name), if any."""
    def register(build: SectionContext) -> SectionContext:
        _sections[name] = build
        return build
    return register


def render_page(status: int = 200, *, customer=None, **forms):
    """Render the whole page; forms given by name replace a section's blank forms (re-rendered with errors)."""
    ctx: dict = {"customer": customer if customer is not None else current_user}
    for build in _sections.values():
        ctx.update(build(forms))
    return render_template("client/my_details.html", **ctx), status


@bp.route("/my-details")
def my_details():
    """Show the customer's details, billing profiles and security settings."""
    return render_page()

"""HTMX helpers: one place decides between a full page and a partial."""

from __future__ import annotations

from flask import render_template, request

# htmx 2.x, pinned: the CDN file with its SRI hash, and the same file in static/vendor/ as the fallback.
HTMX_VERSION = "2.0.11"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def is_htmx() -> bool:
    """True for an htmx request that wants a partial (not boosted, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_partial(page: str, partial: str, **context) -> str:
    """Render the partial for htmx requests and the whole page otherwise."""
    return render_template(partial if is_htmx() else page, **context)


VARY = ("HX-Request",)  # a partial or the whole page


def vary_on(*names: str):
    """Return an after_request hook listing `names` in every response's Vary header (responses differ by them;
    caches must know): one update of the header, where each `response.vary.add` parses and writes it again."""
    joined = ", ".join(names)

    def add_vary(response):
        if "Vary" in response.headers:  # a view's own: keep it, add ours after
            response.vary.update(names)
        else:
            response.headers.add("Vary", joined)
        return response

    return add_vary

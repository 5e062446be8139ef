"""The templates' url_for: Flask's, remembering the URLs it built (a page calls it a dozen or more times).

A URL built without options depends only on the endpoint, its values (in their order, with their types) and
what the request's URL adapter adds (the script root; server name, subdomain and scheme should a rule name
another host): that is the key. The URL map cannot change once the app serves requests, so a remembered URL is
the one url_for would build. Anything else (`_external`, `_anchor`, `_method`, `_scheme`, a value that is not
a plain str or int, URL defaults registered by the app, no request) goes to Flask's url_for as it is.
Python code building many links for a page (the invoice rows' prefixes) calls `url_for` here, not Flask's.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask.globals import _cv_request

from hostico.caches import remember

CACHE_SIZE = 2048  # values can come from the request (a `next` path): bounded, cleared when full
_PLAIN = (str, int)
EXTENSION_KEY = "hostico_url_for"


def url_for(endpoint: str, **values: Any) -> str:
    """The current app's remembering url_for (as the templates' one)."""
    return current_app.extensions[EXTENSION_KEY](endpoint, **values)


def init_app(app: Flask) -> None:
    """Make the templates' `url_for` the remembering one."""
    cache: dict[tuple, str] = {}
    build = app.url_for

    def remembering_url_for(endpoint: str, **values: Any) -> str:
        ctx = _cv_request.get(None)
        if ctx is None or app.url_default_functions or any(
                key[:1] == "_" or type(value) not in _PLAIN for key, value in values.items()):
            return build(endpoint, **values)
        adapter = ctx.url_adapter
        if adapter is None:
            return build(endpoint, **values)
        if endpoint[:1] == ".":
            endpoint = f"{request.blueprint}{endpoint}" if request.blueprint is not None else endpoint[1:]
        key = (endpoint, adapter.script_name, adapter.server_name, adapter.subdomain, adapter.url_scheme,
               *((name, type(value), value) for name, value in values.items()))
        url = cache.get(key)
        if url is None:
            url = remember(cache, key, build(endpoint, **values), CACHE_SIZE)
        return url

    app.jinja_env.globals["url_for"] = app.extensions[EXTENSION_KEY] = remembering_url_for

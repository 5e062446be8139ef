"""The one rule of the process-local caches (remembered URLs, verified cookies, signed CSRF tokens, translated
messages, metric children): bounded, and cleared whole when full, since their keys come from requests."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, size: int) -> V:
    """Keep `value` under `key` in a cache of at most `size` entries (cleared when full); return it."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
    return value

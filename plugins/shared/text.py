"""Helpers for text that came from outside (comments, webmentions, feeds)."""

from __future__ import annotations

import re

_HTTP = re.compile(r"^https?://[^\s\"'<>]+$")


def strings(value, depth: int = 0):
    """Every string in a settings or metadata value, nested ones and dict keys too
    (the TIERS promises), six levels deep at most."""
    if isinstance(value, str):
        yield value
    elif depth < 6 and isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key, depth + 1)
            yield from strings(item, depth + 1)
    elif depth < 6 and isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings(item, depth + 1)


def safe_url(url) -> str | None:
    """An http(s) address with nothing that could break out of an attribute; else None."""
    if isinstance(url, str) and _HTTP.match(url):
        return url
    return None

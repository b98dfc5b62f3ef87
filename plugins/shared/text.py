"""Helpers for text that came from outside (comments, webmentions, feeds)."""

from __future__ import annotations

import re

_HTTP = re.compile(r"^https?://[^\s\"'<>]+$")


def safe_url(url) -> str | None:
    """An http(s) address with nothing that could break out of an attribute; else None."""
    if isinstance(url, str) and _HTTP.match(url):
        return url
    return None

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


_FRENCH_PLURALS = None


def number_fr(count: int) -> str:
    """A count as the site writes it: grouped by three with U+202F from 10 000."""
    digits = str(abs(count))
    if len(digits) > 4:
        head = len(digits) % 3 or 3
        digits = "\u202f".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])
    return ("-" if count < 0 else "") + digits


def plural(count: int, one: str, other: str | None = None) -> str:
    """« 1 source », « 0 source », « 2 sources », by French plural rules (CLDR,
    through Babel: 0 and 1 take the singular); `other` when adding « s » is not
    the plural (« nouveau » → « nouveaux », « source lue » → « sources lues »)."""
    global _FRENCH_PLURALS
    if _FRENCH_PLURALS is None:
        from babel import Locale

        _FRENCH_PLURALS = Locale("fr").plural_form
    word = one if _FRENCH_PLURALS(abs(count)) == "one" else (other or " ".join(w + "s" for w in one.split()))
    return f"{number_fr(count)} {word}"

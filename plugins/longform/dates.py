"""French dates with Babel: no system locale needed."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

_FORMATS = {
    "long": "d MMMM y",  # 22 novembre 2026
    "month": "MMMM y",  # novembre 2026
    "short": "d MMM y",  # 22 nov. 2026
}


def date_fr(value: dt.date | dt.datetime | None, fmt: str = "long") -> str:
    """Format a date the French way; the first of the month is "1er"."""
    if value is None:
        return ""
    pattern = _FORMATS.get(fmt, fmt)
    text = format_date(value, pattern, locale="fr_FR")
    if pattern.startswith("d ") and value.day == 1:
        text = "1er" + text[1:]
    return text

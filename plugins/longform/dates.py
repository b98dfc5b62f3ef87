"""French dates with Babel: no system locale needed."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, get_month_names
from markupsafe import Markup, escape

# "d MMMM y" is by far the most used pattern: built from Babel's month names
# directly, which is many times faster than format_date on a large site.
_MONTHS = get_month_names("wide", locale="fr_FR")

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
    if pattern == "d MMMM y":
        text = f"{value.day} {_MONTHS[value.month]} {value.year}"
    else:
        text = format_date(value, pattern, locale="fr_FR")
    if pattern.startswith("d ") and value.day == 1:
        text = "1er" + text[1:]
    return text


def ordinal(text: str) -> Markup:
    """HTML for a French date: "1er" is set as 1<sup>er</sup>, as in print."""
    text = str(text)
    if text.startswith("1er"):
        return Markup("1<sup>er</sup>") + escape(text[3:])
    return escape(text)


def iso_date_fr(value: str) -> str:
    """An ISO 8601 string (from a data file) as a French date; unreadable: empty."""
    try:
        return date_fr(dt.datetime.fromisoformat(str(value)))
    except ValueError:
        return ""


def language_name(code: str) -> str:
    """A language in its own words (« English », « Deutsch »), for a link to a translation."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(str(code).replace("-", "_")).get_display_name(str(code).replace("-", "_")) or str(code)
    except (ValueError, UnknownLocaleError):
        return str(code)
    return name[:1].upper() + name[1:]

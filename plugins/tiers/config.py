"""The tiers plugin's settings (merged and checked once by publishing.settings)."""

from __future__ import annotations

from shared import Problem

from .ladder import LadderError, load_ladder

DEFAULTS = {
    # The ladder, from the most open tier to the most reserved: dicts with id,
    # label, promise, url, and optionally cta, member_cta (the button in a letter) and reserved_to. Empty: one public tier.
    "TIERS": [],
    # Phrases of reserved parts that the site prints on its own (a date, a word of
    # a template): the leak audit takes them as public.
    "AUDIT_PUBLIC_PHRASES": [],
}
PREFIXES = ("TIER", "AUDIT_")


def check_settings(settings: dict) -> list[Problem]:
    """The ladder is well formed; the Markdown sources, which hold the reserved
    parts, are not published beside the pages."""
    try:
        ladder = load_ladder(settings)
    except LadderError as error:
        return [Problem("pelicanconf.py", None, str(error))]
    if ladder.gated and settings["OUTPUT_SOURCES"]:
        return [Problem("pelicanconf.py", None, "OUTPUT_SOURCES publierait le Markdown avec ses parties "
                                                "réservées\u202f; il est refusé tant que TIERS compte des paliers réservés")]
    return []

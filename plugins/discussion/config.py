"""The discussion plugin's settings: one table of defaults, merged and checked once.

The build merges them into Pelican's settings at `initialized` (so templates and
handlers read `settings["KEY"]`); the author CLI, which has no Pelican object,
reads them through `merged(settings)`.
"""

from __future__ import annotations

DEFAULTS = {
    # The word of the badge on the author's own comments (files with `Role: autrice`).
    # « Autrice » for the demo author; « Auteur » for a man, or any short word.
    "AUTHOR_BADGE": "Autrice",
    "MOST_COMMENTED": 5,  # articles in « Les plus commentés » on the home page
    "WEBMENTION_ENDPOINT": None,
    "ISSO_URL": None,
}


def merged(settings: dict) -> dict:
    """A new dict: the defaults, then `settings` over them (never changed in place)."""
    return {**DEFAULTS, **settings}


def problems(settings: dict) -> list[str]:
    """What is wrong with the discussion settings, in French (empty when all is well)."""
    found = []
    badge = settings.get("AUTHOR_BADGE")
    if not isinstance(badge, str) or not badge.strip() or len(badge) > 40:
        found.append(f"pelicanconf.py\u00a0: AUTHOR_BADGE doit être un mot court (par exemple "
                     f"«\u202fAutrice\u202f» ou «\u202fAuteur\u202f»), pas {badge!r}")
    most = settings.get("MOST_COMMENTED")
    if not isinstance(most, int) or isinstance(most, bool) or most < 0:
        found.append(f"pelicanconf.py\u00a0: MOST_COMMENTED doit être un nombre entier positif ou nul, pas {most!r}")
    return found

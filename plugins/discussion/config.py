"""The discussion plugin's settings: its table of defaults, and its checks.

Merged and checked once, where settings are loaded (publishing.settings);
handlers and templates read `settings["KEY"]`.
"""

from __future__ import annotations

from shared import Problem

DEFAULTS = {
    # The word of the badge on the author's own comments (files with `Role: autrice`).
    # « Autrice » for the demo author; « Auteur » for a man, or any short word.
    "AUTHOR_BADGE": "Autrice",
    "MOST_COMMENTED": 5,  # articles in « Les plus commentés » on the home page
    "WEBMENTION_ENDPOINT": None,  # e.g. "https://webmention.io/nenufar.example/webmention"
    "ISSO_URL": None,  # the address of an Isso server, for live comments
}
PREFIXES = ("WEBMENTION_", "ISSO_", "MOST_COMMENTED")


def check_settings(settings: dict) -> list[Problem]:
    """What is wrong with the discussion settings, in French (empty when all is well)."""
    found = []
    badge = settings["AUTHOR_BADGE"]
    if not badge.strip() or len(badge) > 40:
        found.append(Problem("pelicanconf.py", None, "AUTHOR_BADGE doit être un mot court (par exemple "
                                                     f"«\u202fAutrice\u202f» ou «\u202fAuteur\u202f»), pas {badge!r}"))
    if settings["MOST_COMMENTED"] < 0:
        found.append(Problem("pelicanconf.py", None, "MOST_COMMENTED doit être un nombre entier positif ou nul, "
                                                     f"pas {settings['MOST_COMMENTED']!r}"))
    return found

"""The search plugin's setting (merged and checked once by publishing.settings)."""

from shared import Problem

DEFAULTS = {
    "PAGEFIND": True,  # index output/ with Pagefind at the end of every build
    # keep Pagefind running between builds and give it only the pages that changed
    # (invoke livereload sets it; the service holds the index in memory)
    "PAGEFIND_LIVE": False,
    # above this many pages, the index is made in parts that the search page merges,
    # so that Pagefind's memory stays bounded (parts.py); None: always one index
    "PAGEFIND_PART_PAGES": 125,
}
PREFIXES = ("PAGEFIND",)
TYPES = {"PAGEFIND_PART_PAGES": int}


def check_settings(settings: dict) -> list[Problem]:
    value = settings["PAGEFIND_PART_PAGES"]
    if value is not None and value < 1:
        return [Problem("pelicanconf.py", None, f"PAGEFIND_PART_PAGES doit être un nombre de pages d’au moins 1, "
                                                f"ou None pour un seul index, pas {value!r}")]
    return []

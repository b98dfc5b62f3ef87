"""The reactions plugin's settings: one table of defaults, merged and checked once.

publishing.settings merges DEFAULTS under the author's values and checks them
once, for the build and for the CLI alike; the fetch takes the bounds as a
`Limits` value.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import Problem

DEFAULTS = {
    # Words and hashtags that count as mentions of the brand.
    "REACTIONS_KEYWORDS": [],
    "REACTIONS_STORE": "reactions/reactions.sqlite3",
    "REACTIONS_DATA": "echos.json",  # in content/, written by `invoke digest`, read by the build
    # Bounds of one source, whatever it sends.
    "REACTIONS_TIMEOUT": 10,  # seconds for one request
    "REACTIONS_SOURCE_TIME": 30,  # seconds for everything one source costs: requests, redirects, parsing
    "REACTIONS_MAX_BYTES": 5 * 1024 * 1024,  # of the feed as decompressed
    "REACTIONS_MAX_ENTRIES": 200,  # entries read from one feed (the first ones)
    "REACTIONS_CONCURRENCY": 8,  # requests at a time (and at most 2 per server)
}
PREFIXES = ("REACTIONS_",)
TYPES = {"REACTIONS_TIMEOUT": float, "REACTIONS_SOURCE_TIME": float}  # 2.5 seconds is fine too

_POSITIVE = ("REACTIONS_TIMEOUT", "REACTIONS_SOURCE_TIME", "REACTIONS_MAX_BYTES", "REACTIONS_MAX_ENTRIES",
             "REACTIONS_CONCURRENCY")


def check_settings(settings: dict) -> list[Problem]:
    """What is wrong with the values (publishing.settings has checked their types)."""
    found = [Problem("pelicanconf.py", None, f"{key} doit être un nombre positif, pas {settings[key]!r}")
             for key in _POSITIVE if settings[key] <= 0]
    keywords = settings["REACTIONS_KEYWORDS"]
    if not all(isinstance(k, str) and k.strip() for k in keywords):
        found.append(Problem("pelicanconf.py", None,
                             f"REACTIONS_KEYWORDS doit être une liste de mots, pas {keywords!r}"))
    return found


@dataclass(frozen=True)
class Limits:
    """What one source may cost. Fields per entry are bounded in characters too
    (parse.FIELD_LIMITS): they are not settings, they are the shape of what is stored."""

    timeout: float = DEFAULTS["REACTIONS_TIMEOUT"]
    source_time: float = DEFAULTS["REACTIONS_SOURCE_TIME"]
    max_bytes: int = DEFAULTS["REACTIONS_MAX_BYTES"]
    max_entries: int = DEFAULTS["REACTIONS_MAX_ENTRIES"]
    concurrency: int = DEFAULTS["REACTIONS_CONCURRENCY"]

    @classmethod
    def from_settings(cls, settings: dict) -> Limits:
        return cls(timeout=float(settings["REACTIONS_TIMEOUT"]), source_time=float(settings["REACTIONS_SOURCE_TIME"]),
                   max_bytes=int(settings["REACTIONS_MAX_BYTES"]), max_entries=int(settings["REACTIONS_MAX_ENTRIES"]),
                   concurrency=int(settings["REACTIONS_CONCURRENCY"]))

"""The reactions plugin's settings: one table of defaults, merged and checked once.

The build merges them into Pelican's settings at `initialized`; the author CLI,
which has no Pelican object, reads them through `merged(settings)` and turns the
bounds into a `Limits` value that the fetch takes.
"""

from __future__ import annotations

from dataclasses import dataclass

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

_POSITIVE = ("REACTIONS_TIMEOUT", "REACTIONS_SOURCE_TIME", "REACTIONS_MAX_BYTES", "REACTIONS_MAX_ENTRIES",
             "REACTIONS_CONCURRENCY")


def merged(settings: dict) -> dict:
    """A new dict: the defaults, then `settings` over them (never changed in place)."""
    return {**DEFAULTS, **settings}


def problems(settings: dict) -> list[str]:
    """What is wrong with the reactions settings, in French (empty when all is well)."""
    found = []
    for key in _POSITIVE:
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            found.append(f"pelicanconf.py\u00a0: {key} doit être un nombre positif, pas {value!r}")
    keywords = settings.get("REACTIONS_KEYWORDS")
    if not isinstance(keywords, (list, tuple)) or not all(isinstance(k, str) for k in keywords):
        found.append(f"pelicanconf.py\u00a0: REACTIONS_KEYWORDS doit être une liste de mots, pas {keywords!r}")
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
        values = merged(settings)
        return cls(timeout=float(values["REACTIONS_TIMEOUT"]), source_time=float(values["REACTIONS_SOURCE_TIME"]),
                   max_bytes=int(values["REACTIONS_MAX_BYTES"]), max_entries=int(values["REACTIONS_MAX_ENTRIES"]),
                   concurrency=int(values["REACTIONS_CONCURRENCY"]))

"""The engagement service's settings (merged and checked once by publishing.settings).

The database is not a setting: NENUFAR_DATABASE_URL names a PostgreSQL one
(it may hold a password); without it, SQLite in PRIVATE_OUTPUT_PATH. The secret
that signs the forms comes from NENUFAR_ENGAGEMENT_SECRET, or from a random
file the service writes once in PRIVATE_OUTPUT_PATH.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shared import Problem

DEFAULTS = {
    # Public address of the service (https://abonnement.nenufar.example); None:
    # the site keeps its mailto links and static pages.
    "ENGAGEMENT_URL": None,
    "SUBSCRIBE_TIER": "abonnes",  # the tier a new subscriber joins
    "ENGAGEMENT_DATABASE": "engagement.sqlite3",  # SQLite file in PRIVATE_OUTPUT_PATH
    "ENGAGEMENT_CONFIRM_HOURS": 48,  # an unconfirmed subscription request expires after this
    "ENGAGEMENT_MIN_FILL_SECONDS": 2,  # a form of the service sent back sooner is a robot's
    "ENGAGEMENT_FORM_HOURS": 24,  # a form of the service is valid this long
    "ENGAGEMENT_RATE_IP": "30/minute",  # form posts per client address (limits' notation)
    "ENGAGEMENT_RATE_ADDRESS": "3/hour",  # confirmation messages per email address
    "ENGAGEMENT_MAX_BODY": 32_768,  # octets of a request body
    "ENGAGEMENT_ORIGINS": [],  # origins allowed to post besides SITEURL's and ENGAGEMENT_URL's
}
PREFIXES = ("ENGAGEMENT_",)  # not SUBSCRIBE_: the theme reads SUBSCRIBE_PAGE
TYPES = {"ENGAGEMENT_URL": str}


def origin(url: str | None) -> str:
    """scheme://host[:port] of an absolute URL, "" otherwise."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme in ("http", "https") and parts.netloc else ""


def check_settings(settings: dict) -> list[Problem]:
    found = []
    url = settings["ENGAGEMENT_URL"]
    if url is not None and not origin(url):
        found.append(Problem("pelicanconf.py", None, "ENGAGEMENT_URL doit être une adresse absolue "
                                                     f"(https://…), pas {url!r}"))
    for key in ("ENGAGEMENT_CONFIRM_HOURS", "ENGAGEMENT_FORM_HOURS", "ENGAGEMENT_MAX_BODY"):
        if settings[key] < 1:
            found.append(Problem("pelicanconf.py", None, f"{key} doit être un nombre positif, pas {settings[key]!r}"))
    if settings["ENGAGEMENT_MIN_FILL_SECONDS"] < 0:
        found.append(Problem("pelicanconf.py", None, "ENGAGEMENT_MIN_FILL_SECONDS doit être positif ou nul"))
    from limits import parse

    for key in ("ENGAGEMENT_RATE_IP", "ENGAGEMENT_RATE_ADDRESS"):
        try:
            parse(settings[key])
        except ValueError:
            found.append(Problem("pelicanconf.py", None, f"{key}\u00a0: «\u202f{settings[key]}\u202f» illisible "
                                                         "(par exemple «\u202f30/minute\u202f»)"))
    return found

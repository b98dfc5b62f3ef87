"""Settings of the publishing plugin, and those several plugins read.

Publishing is loaded by every build (the CLI and the `pelican` command both go
through build.py), so a setting that more than one plugin reads is declared
here, once: the private folder (tiers, newsletter, the CLI), the reading speed
(longform's reading time, tiers' teasers, the newsletter's teasers), the
author's address (newsletter, discussion, the theme), the newsletter's folders
(the newsletter, and the content checks, which share the sources out as
Pelican's generators do).
"""

from __future__ import annotations

import re

from shared import Problem, reason

DEFAULTS = {
    # Member-only artefacts (private feeds, newsletter editions, send journal):
    # never in OUTPUT_PATH. A relative path is taken from the settings file's folder.
    "PRIVATE_OUTPUT_PATH": "private",
    # Where PRIVATE_OUTPUT_PATH is served to members, if it is; "" means the
    # private feeds reach reserved images by a relative path.
    "PRIVATE_SITEURL": "",
    "VOUVOIEMENT": True,  # the reader is « vous »; False: « tu » (theme, emails, scaffolds)
    "READING_SPEED_WPM": 220,  # words a minute: reading times and « encore 1 400 mots, 7 min »
    "AUTHOR_EMAIL": None,  # receives replies and confirmed feedback; the sender's address without NEWSLETTER_FROM
    "NEWSLETTER_PATHS": ["newsletter"],  # folders of content/ holding the newsletter issues
    "EXTRA_METADATA_KEYS": [],  # metadata keys accepted besides Pelican's and the project's
    # Regular expressions of output paths kept out of sitemap.xml, besides the
    # pages that ask not to be indexed (404, search, unsubscribe, feedback, drafts).
    "SITEMAP_EXCLUDE": [],
    "PUBLISH_TARGET": None,  # rsync destination of `invoke publish` (NENUFAR_PUBLISH_TARGET first)
    # Processes that read the sources (pool.py): 0, one per core when there are enough
    # files to repay starting them; 1, read serially in the build's own process.
    "BUILD_PROCESSES": 0,
}
PREFIXES = ("PRIVATE_", "READING_", "SITEMAP_", "PUBLISH_", "EXTRA_METADATA", "BUILD_")


def check_settings(settings: dict) -> list[Problem]:
    problems = []
    if settings["READING_SPEED_WPM"] < 1:
        problems.append(Problem("pelicanconf.py", None, "READING_SPEED_WPM doit être un nombre de mots "
                                                        f"par minute positif, pas {settings['READING_SPEED_WPM']!r}"))
    if settings["BUILD_PROCESSES"] < 0:
        problems.append(Problem("pelicanconf.py", None, "BUILD_PROCESSES doit être 0 (un processus par cœur), "
                                                        f"1 ou plus, pas {settings['BUILD_PROCESSES']!r}"))
    for pattern in settings["SITEMAP_EXCLUDE"]:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as error:
            problems.append(Problem("pelicanconf.py", None, f"SITEMAP_EXCLUDE\u00a0: expression «\u202f{pattern}\u202f» "
                                                            f"illisible ({reason(error)})"))
    return problems

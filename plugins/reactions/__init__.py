"""Community reactions. The CLI side (tasks.py: reactions.fetch, reactions.status,
reactions.import-opml, reactions.export-opml, digest) gathers feeds into
reactions/reactions.sqlite3 and writes the weekly digest and content/echos.json;
the Pelican side reads that file and sets `article.reactions` for « Ils en parlent »."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pelican import signals
from pelican.contents import Article

from publishing import content_refreshed
from shared import Problem, reason, safe_url

from .config import DEFAULTS, PREFIXES, TYPES, Limits, check_settings

log = logging.getLogger(__name__)


def _echoes(settings) -> tuple[dict, str | None]:
    """content/echos.json, and why it could not be read (None when it could, or is absent)."""
    path = Path(settings["PATH"]) / settings["REACTIONS_DATA"]
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return {}, (f"{path}\u00a0: fichier des échos illisible ({reason(error)})\u202f; "
                    "relancez «\u202finvoke digest\u202f»")
    return (data if isinstance(data, dict) else {}), None


def _reactions(data: dict, slug: str) -> list[dict]:
    # The file is ours, but its text came from feeds: keep plain strings and http(s) links only.
    return [{k: str(item.get(k) or "") for k in ("author", "source", "date", "title", "excerpt")}
            | {"link": safe_url(item.get("link"))}
            for item in data.get(slug, []) if isinstance(item, dict)]


def attach_reactions(generator):
    data, unreadable = _echoes(generator.settings)
    if unreadable:
        log.error("%s", unreadable)
    for article in generator.articles + generator.drafts:
        article.reactions = _reactions(data, article.slug)


def refresh_reactions(settings, content, previous, generators) -> list[Problem]:
    """content_refreshed (publishing): a new draft read by livereload's quick path gets
    its echoes as attach_reactions gives them (an edited text keeps those it had)."""
    if content is None or previous is not None or not isinstance(content, Article):
        return []
    data, unreadable = _echoes(settings)
    if unreadable:
        return [Problem("", None, unreadable)]
    content.reactions = _reactions(data, content.slug)
    return []


def register():
    signals.article_generator_finalized.connect(attach_reactions)
    content_refreshed.connect(refresh_reactions)

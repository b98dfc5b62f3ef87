"""Community reactions. The CLI side (tasks.py: reactions.fetch, reactions.status,
reactions.import-opml, reactions.export-opml, digest) gathers feeds into
reactions/reactions.sqlite3 and writes the weekly digest and content/echos.json;
the Pelican side reads that file and sets `article.reactions` for « Ils en parlent »."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pelican import signals

from shared import reason, safe_url

from .config import DEFAULTS, PREFIXES, TYPES, Limits, check_settings

log = logging.getLogger(__name__)


def attach_reactions(generator):
    settings = generator.settings
    path = Path(settings["PATH"]) / settings["REACTIONS_DATA"]
    data = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            log.error("%s\u00a0: fichier des échos illisible (%s)\u202f; relancez «\u202finvoke digest\u202f»", path,
                      reason(error))
    for article in generator.articles + generator.drafts:
        items = data.get(article.slug, []) if isinstance(data, dict) else []
        # The file is ours, but its text came from feeds: keep plain strings and http(s) links only.
        article.reactions = [
            {k: str(item.get(k) or "") for k in ("author", "source", "date", "title", "excerpt")}
            | {"link": safe_url(item.get("link"))}
            for item in items if isinstance(item, dict)]


def register():
    signals.article_generator_finalized.connect(attach_reactions)

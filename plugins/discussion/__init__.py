"""Discussion: each article ends with its question and the ways to answer, and
the approved comments (content/conversations/, see comments.py) are rendered
under it, threaded. Also sets `comment_count` for listings and the context's
`most_commented` for the home page. The badge of the author's replies is
declared by their files (`Role: autrice`), its word is `AUTHOR_BADGE`
(config.py holds its settings' defaults and checks).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.contents import Article

from publishing import ARTICLE_LISTS, content_refreshed, contents
from shared import Problem, plural

from . import webmentions
from .config import DEFAULTS, PREFIXES, check_settings
from .comments import FOLDER, count, load, thread
from .intake import Articles, IntakeError, Queue, Submission, queue_file

__all__ = ["DEFAULTS", "PREFIXES", "Articles", "IntakeError", "Queue", "Submission", "check_settings", "queue_file",
           "register"]

log = logging.getLogger(__name__)


def attach_comments(generator):
    settings = generator.settings
    timezone = ZoneInfo(settings.get("TIMEZONE") or "UTC")
    root = os.path.basename(os.path.normpath(settings["PATH"]))
    comments, problems = load(Path(settings["PATH"]), timezone, root)
    slugs = {a.slug: a for a in contents([generator], ARTICLE_LISTS)}
    for comment in comments:
        if comment.article not in slugs:
            problems.append(Problem(comment.source, None, f"aucun article n’a l’adresse «\u202f{comment.article}\u202f» "
                                    f"(le dossier de {FOLDER}/ doit porter l’adresse de l’article)"))
    roots, orphans = thread([c for c in comments if c.article in slugs])
    problems.extend(orphans)
    mentions, unreadable = webmentions.load(Path(settings["PATH"]), root)
    problems.extend(unreadable)
    for problem in problems:
        log.error("%s", problem)
    by_path = {}
    for article in contents([generator], ARTICLE_LISTS):
        by_path.setdefault(article.url.strip("/"), article)
    elsewhere = sorted({m.target_path or "/" for m in mentions if m.target_path not in by_path})
    if elsewhere:
        stray = sum(m.target_path not in by_path for m in mentions)
        log.warning("webmentions\u00a0: %s %s des pages qui ne sont pas des articles (%s)\u202f; %s",
                    plural(stray, "mention"), "vise" if stray < 2 else "visent", ", ".join(elsewhere[:5]),
                    "elle n’est pas affichée" if stray < 2 else "elles ne sont pas affichées")
    for article in contents([generator], ARTICLE_LISTS):  # every one, even two sharing a slug (reported elsewhere)
        article.comments = roots.get(article.slug, [])
        article.comment_count = count(article.comments)
        received = [m for m in mentions if by_path.get(m.target_path) is article]
        article.webmentions = {kind: sorted((m for m in received if m.kind == kind),
                                            key=lambda m: (m.date is None, m.date or 0))
                               for kind in ("reply", "like", "repost")}
    # Ties: the newest first (the articles' own order, kept by a stable sort), not by
    # title, so that a new title never reorders the home page (livereload's quick path).
    ranked = sorted((a for a in generator.articles if a.comment_count), key=lambda a: -a.comment_count)
    generator.context["most_commented"] = ranked[: settings["MOST_COMMENTED"]]


def refresh_conversation(settings, content, previous, generators) -> list[Problem]:
    """content_refreshed (publishing): a draft added or removed by livereload's quick
    path. A new one starts with no comment and no webmention, as attach_comments
    gives it; one that has a conversation or mentions (or had: removed) goes to the
    full build, which attaches or reports them."""
    if (content is None) == (previous is None):  # an edit keeps what the build attached
        return []
    article = content if content is not None else previous
    if not isinstance(article, Article):
        return []
    folder = Path(settings["PATH"]) / FOLDER / article.slug
    if folder.is_dir() and any(folder.iterdir()):
        return [Problem("", None, f"{FOLDER}/{article.slug}/\u00a0: une conversation vise ce texte")]
    mentions, _ = webmentions.load(Path(settings["PATH"]), os.path.basename(os.path.normpath(settings["PATH"])))
    if any(m.target_path == article.url.strip("/") for m in mentions):
        return [Problem("", None, "des webmentions visent ce texte")]
    if content is not None:
        content.comments, content.comment_count = [], 0
        content.webmentions = {kind: [] for kind in ("reply", "like", "repost")}
    return []


def register():
    signals.article_generator_finalized.connect(attach_comments)
    content_refreshed.connect(refresh_conversation)

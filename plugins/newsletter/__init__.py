"""Newsletter plugin. Web side: numbered issues, their pages, the archive and
a feed (issues.py). Email side: the editions of one issue, one per tier
(editions.py), rendered when the build is given NEWSLETTER_EDITION (an issue
number, or "latest"), as `invoke newsletter` does."""

import logging
from pathlib import Path

from pelican import signals

from .config import DEFAULTS, PREFIXES, REFUSED, TYPES
from .issues import NewsletterGenerator, NewsletterIssue, newsletter_generator

__all__ = ["DEFAULTS", "PREFIXES", "REFUSED", "TYPES", "NewsletterGenerator", "NewsletterIssue", "register"]

log = logging.getLogger(__name__)


def _ladder_and_keys(settings):
    try:
        from tiers.ladder import load_ladder
        from tiers.seal import keys_from_env
    except ImportError:  # tiers not installed: one free edition
        from types import SimpleNamespace

        public = SimpleNamespace(id="public", label="Tout le monde", rank=0)
        return SimpleNamespace(tiers=(public,), gated=(), get=lambda _: public), {}
    ladder = load_ladder(settings)
    return ladder, keys_from_env(ladder)


def render_requested_editions(generators):
    settings = generators[0].settings if generators else {}
    wanted = settings["NEWSLETTER_EDITION"]
    if not wanted:
        return
    from .editions import render_editions, write_editions

    issues = next((g.issues for g in generators if isinstance(g, NewsletterGenerator)), [])
    articles = next((g.articles for g in generators if hasattr(g, "hidden_articles")), [])
    if not issues:
        log.error("aucun numéro de la lettre à rendre : content/newsletter/ est vide")
        return
    issue = issues[0] if str(wanted) == "latest" else next((i for i in issues if i.number == int(wanted)), None)
    if issue is None:
        numbers = ", ".join(str(i.number) for i in sorted(issues, key=lambda i: i.number))
        log.error("la lettre n’a pas de numéro %s (numéros : %s)", wanted, numbers)
        return
    older = [i for i in issues if i.number < issue.number]
    since = max((i.date for i in older), default=None)
    fresh = [a for a in articles if a.date <= issue.date and (since is None or a.date > since)]
    try:
        ladder, keys = _ladder_and_keys(settings)
    except Exception:  # the tiers plugin reports its own configuration errors
        return
    # « Ils en parlent »: reactions gathered by `invoke digest` since the previous issue.
    echoes = []
    for article in articles:
        for reaction in getattr(article, "reactions", None) or ():
            if reaction.get("date") and (since is None or reaction["date"] > since.isoformat()) \
                    and reaction["date"] <= issue.date.isoformat():
                echoes.append({**reaction, "article": str(article.title)})
    echoes.sort(key=lambda r: r["date"], reverse=True)
    images = generators[0].context.get("tier_images")  # set by tiers, which runs first
    editions = render_editions(issue, fresh, ladder, settings, keys, echoes[: settings["NEWSLETTER_ECHOES"]],
                               images)
    folder = Path(settings["PRIVATE_OUTPUT_PATH"]) / "newsletter" / str(issue.number)
    write_editions(editions, folder)
    settings["NEWSLETTER_EDITIONS_WRITTEN"] = editions  # handed to the CLI by BuildResult


def keep_issues_out_of_articles(pelican):
    """Issues are read by their own generator, even when ARTICLE_PATHS covers all of content/."""
    folders = list(pelican.settings["NEWSLETTER_PATHS"])
    for key in ("ARTICLE_EXCLUDES", "PAGE_EXCLUDES"):
        current = list(pelican.settings.get(key) or [])
        pelican.settings[key] = current + [f for f in folders if f not in current]


def register():
    signals.initialized.connect(keep_issues_out_of_articles)
    signals.get_generators.connect(newsletter_generator)
    signals.all_generators_finalized.connect(render_requested_editions)

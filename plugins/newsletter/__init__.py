"""Newsletter plugin. Web side: numbered issues, their pages, the archive and
a feed (issues.py). Email side: the editions of one issue, one per tier
(editions.py), rendered when the build is given NEWSLETTER_EDITION (an issue
number, or "latest"), as `invoke newsletter` does."""

import logging
from pathlib import Path

from pelican import signals

from publishing import content_refreshed
from shared import Problem
from tiers import PUBLIC_ONLY, KeyError_, LadderError, keys_from_env, load_ladder

from .config import DEFAULTS, PREFIXES, REFUSED, TYPES
from .editions import TOKEN
from .fields import AddressError, address_key, check_address, csv_cell, csv_value, valid_token
from .issues import NewsletterGenerator, NewsletterIssue, newsletter_generator
from .send import Mailer, Plan, SendError, SmtpConfig, Subscriber, plan_send, read_subscribers
from .unsubscribes import unsubscribed, unsubscribed_file

__all__ = ["DEFAULTS", "PREFIXES", "REFUSED", "TOKEN", "TYPES", "AddressError", "Mailer", "NewsletterGenerator",
           "NewsletterIssue", "Plan", "SendError", "SmtpConfig", "Subscriber", "address_key", "check_address",
           "csv_cell", "csv_value", "plan_send", "read_subscribers", "register", "unsubscribed", "unsubscribed_file",
           "valid_token"]

log = logging.getLogger(__name__)


def _ladder_and_keys(settings):
    """The ladder and the tier keys of the build; without the tiers plugin, one free edition."""
    if "tiers" not in settings["PLUGINS"]:
        return PUBLIC_ONLY, {}
    ladder = load_ladder(settings)
    return ladder, keys_from_env(ladder)


def render_requested_editions(generators):
    if not generators or not generators[0].settings["NEWSLETTER_EDITION"]:
        return
    settings = generators[0].settings
    wanted = settings["NEWSLETTER_EDITION"]
    from .editions import render_editions, write_editions

    issues = next((g.issues for g in generators if isinstance(g, NewsletterGenerator)), [])
    drafts = next((g.drafts for g in generators if isinstance(g, NewsletterGenerator)), [])
    articles = next((g.articles for g in generators if hasattr(g, "hidden_articles")), [])  # published, newest first
    if not issues and (str(wanted) == "latest" or not drafts):
        log.error("aucun numéro publié de la lettre à rendre\u00a0: content/newsletter/ n’en contient pas")
        return
    # A draft is rendered when asked by its number (an « Aperçu »), never as the latest.
    issue = issues[0] if str(wanted) == "latest" else next(
        (i for i in issues + drafts if i.number == int(wanted)), None)
    if issue is None:
        numbers = ", ".join(str(i.number) for i in sorted(issues, key=lambda i: i.number))
        log.error("la lettre n’a pas de numéro %s (numéros\u00a0: %s)", wanted, numbers)
        return
    older = [i for i in issues if i.number < issue.number]
    since = max((i.date for i in older), default=None)
    fresh = [a for a in articles if a.date <= issue.date and (since is None or a.date > since)]
    try:
        ladder, keys = _ladder_and_keys(settings)
    except (LadderError, KeyError_):  # reported by tiers (settings checks, seal_and_publish)
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


def check_new_number(settings, content, previous, generators) -> list[Problem]:
    """content_refreshed (publishing): a new draft letter read by livereload's quick
    path must have a number no other letter has (the build says which otherwise)."""
    if content is None or previous is not None or not isinstance(content, NewsletterIssue):
        return []
    try:
        number = content.number
    except ValueError:
        return [Problem("", None, "numéro de lettre illisible")]
    for generator in generators:
        if isinstance(generator, NewsletterGenerator):
            for issue in generator.issues + generator.drafts:
                if issue.number == number:
                    return [Problem("", None, f"le numéro {number} est déjà pris")]
    return []


def register():
    signals.initialized.connect(keep_issues_out_of_articles)
    signals.get_generators.connect(newsletter_generator)
    signals.all_generators_finalized.connect(render_requested_editions)
    content_refreshed.connect(check_new_number)

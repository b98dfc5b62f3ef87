"""Engagement: the small web service beside the static site, and its two other sides.

Web side (app.py, run by `invoke engagement.serve`): subscription with double
opt-in, one-click unsubscribe (RFC 8058), feedback on an issue, the comment form
(into discussion's moderation queue), reports on published comments, topic
ideas and their votes. SQLAlchemy Core over SQLite by default, PostgreSQL when
NENUFAR_DATABASE_URL names one (db.py); every write is one transaction (store.py).
Pelican side (here): when ENGAGEMENT_URL is set, the editions' unsubscribe,
feedback and subscribe links lead to the service, and the theme shows its forms
(`ENGAGEMENT_URL` in the templates' context); the « Vos idées » page is built
from the ideas `invoke ideas.export` wrote. Unset, the site is what it was.
CLI side (cli.py, sending.py): subscribers, ideas, feedback counts, and the
recipients of `invoke send`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pelican import signals

from publishing import send_recipients
from shared import Problem

from .config import DEFAULTS, PREFIXES, TYPES, check_settings

# The database side (SQLAlchemy) is imported when first used: every build and
# every command of the CLI loads this package, and most never touch the service's
# database (SQLAlchemy alone costs about 0.1 s to import).
_LAZY = {"configured": "db", "database_url": "db", "engine_for": "db", "make_engine": "db", "plan_send": "sending"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["DEFAULTS", "PREFIXES", "TYPES", "IDEAS_DATA", "check_settings", "configured", "database_url",
           "engine_for", "make_engine", "plan_send", "register", "service_links"]

log = logging.getLogger(__name__)
IDEAS_DATA = "idees.json"  # in content/, written by `invoke ideas.export`


def service_links(url: str) -> dict[str, str]:
    """The newsletter's link templates, pointed at the service (« Vos idées » too)."""
    base = url.rstrip("/")
    return {"NEWSLETTER_UNSUBSCRIBE_URL": base + "/desabonnement?jeton={token}",
            "NEWSLETTER_FEEDBACK_URL": base + "/avis?numero={issue}&reponse={answer}&jeton={token}",
            "NEWSLETTER_SUBSCRIBE_URL": base + "/abonnement",
            "NEWSLETTER_IDEAS_URL": base + "/idees?jeton={token}"}


def point_links_at_service(pelican) -> None:
    url = pelican.settings.get("ENGAGEMENT_URL")
    if url:
        pelican.settings.update(service_links(url))


def attach_ideas(generator) -> None:
    """context `reader_ideas`: the approved ideas with their votes, most voted first."""
    path = Path(generator.settings["PATH"]) / IDEAS_DATA
    ideas = []
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            ideas = [{"id": int(i["id"]), "title": str(i["title"]), "body": str(i.get("body", "")),
                      "author": str(i.get("author", "")), "votes": int(i.get("votes", 0))} for i in data["ideas"]]
        except (ValueError, KeyError, TypeError) as error:
            log.error("%s", Problem(IDEAS_DATA, None, f"fichier des idées illisible ({type(error).__name__})\u202f; "
                                                      "relancez «\u202finvoke ideas.export\u202f»"))
    generator.context["reader_ideas"] = sorted(ideas, key=lambda i: (-i["votes"], i["id"]))


def recipients(settings: dict, editions, subscribers: Path | None):
    """`invoke send`'s recipients: the CSV file or the service's subscribers, every unsubscribe honoured."""
    from .sending import plan_send

    return plan_send(settings, editions, subscribers)


send_recipients.connect(recipients)  # at import: the CLI has no Pelican object to register with


def register():
    signals.initialized.connect(point_links_at_service)
    signals.page_generator_finalized.connect(attach_ideas)

"""The reactions' commands: `invoke reactions.fetch|status|import-opml|export-opml`
and `invoke digest`.

What to fetch, how each source fares and what the digest keeps is decided in
sources.py, fetch.py and digest.py; these tasks call them and print the
results, every feed's text inert.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import Collection

from publishing import article_index, cli
from shared import inert, number_fr, plural

from . import opml, sources
from .config import Limits
from .store import Store

Project, console, err, fail, task = cli.Project, cli.console, cli.err, cli.fail, cli.task
OPML = "reactions/sources.opml"


def _read(path: Path) -> list[opml.Feed]:
    try:
        return opml.read(path)
    except opml.OpmlError as error:
        fail(inert(str(error)), error=error)


def _zone(settings) -> ZoneInfo:
    return ZoneInfo(settings.get("TIMEZONE") or "UTC")


@task(name="import-opml", help={"file": "fichier OPML exporté d’un lecteur de flux"})
def import_opml(c, file):
    """Ajoute les sources d’un fichier OPML à reactions/sources.opml."""
    target = Project(c).path(OPML)
    incoming = _read(Path(file))
    merged = opml.merge(_read(target) if target.exists() else [], incoming)
    opml.write(target, list(merged.feeds))
    for feed in merged.added:
        console.print(f"  + {inert(feed.name)} ({inert(feed.url)})")
    console.print(f"{plural(len(merged.added), 'source ajoutée')}, {number_fr(len(merged.feeds))} au total dans "
                  f"{OPML}.")


@task(name="export-opml", help={"file": "fichier OPML à écrire"})
def export_opml(c, file):
    """Écrit les sources suivies dans un fichier OPML, pour un lecteur de flux."""
    feeds = _read(Project(c).path(OPML))
    opml.write(Path(file), feeds)
    console.print(f"{plural(len(feeds), 'source écrite')} dans {inert(file)}.")


def _print_sync(synced: sources.Sync) -> None:
    for source in synced.added:
        console.print(f"  + {inert(source.name)} ({inert(source.origin)})\u00a0: nouvelle source")
    for source in synced.restored:
        console.print(f"  + {inert(source.name)} ({inert(source.origin)})\u00a0: de nouveau suivie")
    for source in synced.removed:
        console.print(f"  − {inert(source.name)} ({inert(source.origin)})\u00a0: retirée de sources.opml, plus "
                      "relevée (ses entrées restent)")


@task(name="fetch")
def fetch(c):
    """Relève les sources de reactions/sources.opml et range les réactions dans la base."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .fetch import fetch_all  # httpx and the parsers: only for this command
    from .match import Matcher

    project = Project(c)
    settings = project.settings("publishconf.py")  # reactions link to the public addresses of the articles
    feeds = _read(project.path(OPML))
    zone = _zone(settings)
    store = Store(project.path(settings["REACTIONS_STORE"]))
    try:
        synced = sources.sync(store, feeds)  # the OPML is the truth: first, in one transaction
        _print_sync(synced)
        plan = sources.plan(synced.listed, zone=zone)
        matcher = Matcher(article_index(settings), settings["REACTIONS_KEYWORDS"])
        with Progress(TextColumn("Relève"), BarColumn(), MofNCompleteColumn(), console=err,
                      transient=True) as progress:
            bar = progress.add_task("relève", total=plan.total)  # sized by the same plan the fetch uses
            report = asyncio.run(fetch_all(store, plan, matcher, Limits.from_settings(settings),
                                           on_done=lambda result: progress.advance(bar), zone=zone))
    finally:
        store.close()
    console.print(report.summary())
    for result in sorted(report.results, key=lambda r: r.source.name.casefold()):
        where = f"{inert(result.source.name)} ({inert(result.source.url)})"
        if result.failed:
            err.print(f"  • {where}\u00a0: {inert(result.error)}", highlight=False)
            for note in result.notes:
                err.print(f"      {inert(note)}", highlight=False)
        else:
            for note in result.notes:
                err.print(f"  · {where}\u00a0: {inert(note)}", highlight=False)
    closing = report.closing()
    if closing:
        err.print(f"[bold red]Erreur[/] : {closing}")
        sys.exit(1)


@task(name="status")
def status(c):
    """Liste les sources suivies : dernière relève réussie, dernière erreur."""
    project = Project(c)
    settings = project.settings()
    path = project.path(OPML)
    feeds = _read(path) if path.exists() else None
    store = Store(project.path(settings["REACTIONS_STORE"]))
    try:
        views = sources.overview(store, feeds, zone=_zone(settings))
    finally:
        store.close()
    if not views:
        console.print("Aucune source suivie\u00a0: ajoutez-en avec «\u202finvoke reactions.import-opml\u202f».")
        return
    for view in views:
        line = (f"{inert(view.name)} \\[{inert(view.kind)}] — {inert(view.state)} — dernière relève réussie\u00a0: "
                f"{inert(view.last_ok)} — {plural(view.entries, 'entrée')}")
        if view.last_error:
            line += f" — dernière erreur\u00a0: {inert(view.last_error)}"
        console.print(line, highlight=False)


@task(help={"since": "période couverte, en jours (7d par défaut)"})
def digest(c, since="7d"):
    """Écrit l’article « Échos de la communauté » de la semaine et les échos de chaque article."""
    from .digest import DigestError, write_data, write_digest

    if not since.rstrip("d").isdigit():
        fail(f"--since «\u202f{inert(since)}\u202f»\u00a0: attendu un nombre de jours, par exemple 7d")
    project = Project(c)
    settings = project.settings()
    articles = {a.slug: (a.title, a.path) for a in article_index(settings)}
    store = Store(project.path(settings["REACTIONS_STORE"]))
    content = Path(settings["PATH"])
    try:
        written = write_digest(store, articles, content, dt.timedelta(days=int(since.rstrip("d"))))
        data = write_data(store, articles, content, settings["REACTIONS_DATA"])
    except DigestError as error:
        fail(inert(str(error)), error=error)
    finally:
        store.close()
    console.print(f"Écrit\u00a0: {inert(project.shown(written.path))} ({plural(written.reactions, 'réaction')}, "
                  f"{plural(written.mentions, 'mention')}, en brouillon).")
    if data.written:
        line = (f"{inert(data.path.name)} pour «\u202fIls en parlent\u202f»\u00a0: "
                f"{plural(data.added, 'écho ajouté')}, {plural(data.kept, 'gardé')}")
        dropped = plural(data.dropped, "plus ancien écarté", "plus anciens écartés")
        console.print(line + (f", {dropped}." if data.dropped else "."))
    else:
        console.print(f"{inert(data.path.name)} inchangé\u00a0: aucun nouvel écho ({plural(data.kept, 'gardé')}).")


reactions = Collection("reactions", fetch, status, import_opml, export_opml)

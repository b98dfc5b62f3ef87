"""The author's command line: `invoke --list` shows every task.

Thin by design: a task parses its arguments, calls a function of the plugins'
packages (plugins/*), where the decisions and their tests live, and prints what
comes back, in French. Anything written by someone else is printed through
`inert` (shared/terminal.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import task
from rich.console import Console

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

from publishing import BuildError, build_site, deploy, load_settings, scaffold, serve as serving  # noqa: E402
from shared import inert  # noqa: E402

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _settings(conf: str = "pelicanconf.py", **overrides):
    try:
        return load_settings(str(ROOT / conf), overrides)
    except BuildError as error:
        _fail(f"réglages incorrects dans {conf}\u00a0:", error.problems)


def _fail(message: str, problems=()) -> None:
    err.print(f"[bold red]Erreur[/]\u00a0: {message}")
    for problem in problems:  # may quote a file, a header or a line written by a stranger
        err.print(f"  • {inert(problem)}")
    sys.exit(1)


def _shown(path) -> Path:
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _warnings(result) -> None:
    for warning in result.warnings:
        err.print(f"[yellow]Avertissement[/]\u00a0: {inert(warning)}")


def _build(settings, failure: str | None = None):
    with console.status("Construction du site…", spinner="dots"):
        try:
            result = build_site(settings)
        except BuildError as error:
            count = len(error.problems)
            _fail(failure or f"la construction a échoué ({count} problème{'s' if count > 1 else ''})\u202f; "
                             "le site précédent est resté en place.", error.problems)
    _warnings(result)
    return result


def _report_build(settings, result) -> None:
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    console.print(f"[green]Site construit[/] dans {_shown(result.output_path)}/\u00a0: {result.summary()}, "
                  f"en {seconds}\u00a0s.")
    if result.previews:
        console.print("Brouillons à relire (hors des listes, des flux et de la recherche\u202f; "
                      "jamais publiés par «\u202finvoke publish\u202f»)\u00a0:")
        for address, source in result.previews:
            console.print(f"  {address}  ← {source}", markup=False)
    if "tiers" in settings["PLUGINS"]:
        from tiers import sealing

        found = sealing(settings)  # the build has checked TIERS and the keys
        feeds = f"flux privés dans {_shown(found.private_feeds)}/."
        if found.opened:
            console.print(f"Paliers\u00a0: parties réservées chiffrées dans les pages ({', '.join(found.opened)})"
                          f"\u202f; {feeds}")
        elif found.gated:
            names = ", ".join(t.env_key for t in found.gated)
            console.print(f"Paliers\u00a0: sans clé ({names}), les parties réservées sont absentes du site\u202f; {feeds}")


def _warn_port(settings, port) -> None:
    expected = serving.siteurl_port(settings)
    if expected and expected != int(port):
        err.print(f"[yellow]Avertissement[/]\u00a0: les liens du site pointent vers le port {expected} "
                  f"(SITEURL = {settings['SITEURL']}), pas vers {port}.")


def _built(settings) -> Path:
    output = ROOT / settings["OUTPUT_PATH"]
    if not (output / "index.html").exists():
        _fail("le site n’est pas construit\u00a0: lancez d’abord «\u202finvoke build\u202f».")
    return output


@task(help={"conf": "fichier de réglages (pelicanconf.py par défaut)"})
def build(c, conf="pelicanconf.py"):
    """Construit le site dans output/ (vérifie le contenu, indexe la recherche)."""
    settings = _settings(conf)
    _report_build(settings, _build(settings))


@task(help={"port": "port d’écoute (8000)", "host": "adresse d’écoute (localhost)"})
def serve(c, port=8000, host="localhost"):
    """Sert le site construit sur http://localhost:8000/."""
    settings = _settings()
    output = _built(settings)
    _warn_port(settings, port)
    server = serving.make_server(output, host, int(port))
    console.print(f"Site servi sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Arrêt du serveur.")


@task(help={"port": "port d’écoute (8000)", "host": "adresse d’écoute (localhost)"})
def livereload(c, port=8000, host="localhost"):
    """Construit, sert et reconstruit à chaque modification (rechargement automatique)."""
    from livereload import Server

    settings = dict(_settings(), PAGEFIND=False)  # a rebuild should take a second, not the index's time

    def rebuild():
        try:
            console.print(f"Reconstruit\u00a0: {build_site(settings).summary()}.")
        except BuildError as error:
            for problem in error.problems:
                err.print(f"  • {inert(problem)}")

    _warn_port(settings, port)
    rebuild()
    server = Server()
    for path in serving.watch_paths(settings):
        server.watch(path if Path(path).is_file() else f"{path}/**/*", rebuild)
    console.print(f"Rechargement automatique sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    server.serve(host=host, port=int(port), root=settings["OUTPUT_PATH"])


@task(help={"title": "titre de l’article ou de la lettre",
            "newsletter": "crée un numéro de la lettre au lieu d’un article"})
def new(c, title, newsletter=False):
    """Crée un article (ou un numéro de la lettre avec --newsletter), en brouillon."""
    try:
        path = scaffold.new_content(title, _settings(), newsletter=newsletter)
    except scaffold.ScaffoldError as error:
        _fail(str(error))
    console.print(f"Créé\u00a0: {_shown(path)} (statut brouillon\u00a0: retirez «\u202fStatus: draft\u202f» pour publier)")


def _editions(conf: str, issue):
    from newsletter.editions import render_issue

    settings = _settings(conf)
    with console.status("Rendu des éditions…", spinner="dots"):
        try:
            result = render_issue(settings, issue)
        except BuildError as error:
            _fail("le rendu de la lettre a échoué.", error.problems)
    _warnings(result)
    return settings, result.editions


@task(help={"issue": "numéro à rendre (par défaut\u00a0: le dernier)",
            "conf": "réglages (publishconf.py par défaut\u00a0: les liens des courriels doivent être publics)"})
def newsletter(c, issue="latest", conf="publishconf.py"):
    """Rend les éditions d’un numéro de la lettre, une par palier, dans private/newsletter/."""
    for edition in _editions(conf, issue)[1]:
        kilo = f"{edition.size / 1024:.1f}".replace(".", ",")
        console.print(f"Édition «\u202f{edition.tier}\u202f»\u00a0: {_shown(edition.folder)}/{edition.tier}.html, "
                      f".txt, .eml ({kilo}\u00a0Ko)")


@task(help={"issue": "numéro à envoyer",
            "subscribers": "fichier CSV des abonnés (colonnes email,name,tier,token) ; sans lui, "
                           "les abonnés du service (ENGAGEMENT_URL)",
            "dry_run": "vérifie et compte sans rien envoyer",
            "rate": "messages par seconde au plus (sans limite par défaut)",
            "conf": "réglages (publishconf.py par défaut)"})
def send(c, issue, subscribers=None, dry_run=False, rate=0.0, conf="publishconf.py"):
    """Envoie un numéro à chaque abonné dans l’édition de son palier, une seule fois."""
    import signal

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from engagement import plan_send
    from newsletter import send as sending

    settings, editions = _editions(conf, issue)
    try:  # the CSV file, or the service's subscribers; every unsubscribe honoured
        plan = plan_send(settings, editions, Path(subscribers) if subscribers else None)
    except sending.SendError as error:
        _fail(inert(error))
    for problem in plan.skipped:
        err.print(f"[yellow]Ignoré[/]\u00a0: {inert(problem)}")
    if dry_run:
        console.print(f"Essai à blanc, {inert(plan.summary())}. Rien n’a été envoyé.")
        return
    try:
        config = sending.SmtpConfig.from_settings(settings)
    except sending.SendError as error:
        _fail(inert(error))
    stopping = []

    def on_interrupt(signum, frame):
        if stopping:  # a second Ctrl-C: stop now; the message in flight is reported next time
            raise KeyboardInterrupt
        stopping.append(True)
        err.print("Arrêt demandé\u00a0: le message en cours se termine, puis l’envoi s’arrête "
                  "(relancez la même commande pour reprendre).")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    journal = sending.Journal(sending.journal_file(settings))
    columns = (TextColumn("Envoi"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            bar = progress.add_task("envoi", total=len(plan.subscribers))
            report = sending.send_plan(plan, journal, sending.Mailer(config), sender=settings["NEWSLETTER_FROM"],
                                       rate=float(rate) or None, retry_delays=settings["SMTP_RETRY_DELAYS"],
                                       stop=lambda: bool(stopping),
                                       on_progress=lambda subscriber, outcome: progress.advance(bar))
    except sending.SendError as error:
        _fail(f"envoi interrompu\u00a0: {inert(error)} (relancez la même commande pour reprendre).")
    finally:
        signal.signal(signal.SIGINT, previous)
        journal.close()
    console.print(f"Numéro {plan.issue}\u00a0: {report.summary(len(plan.skipped))}.")
    for line in report.details():
        err.print(f"  • {inert(line)}")
    if report.stopped:
        console.print("Envoi arrêté à la demande\u00a0: relancez la même commande pour reprendre.")
        sys.exit(130)
    if report.failed or report.deferred:
        sys.exit(1)


@task(help={"mailbox": "boîte aux lettres où arrivent les demandes\u00a0: fichier mbox ou dossier Maildir",
            "strict": "ne compte que les demandes munies d’un jeton (écarte celles écrites à la main)"})
def unsubscribes(c, mailbox, strict=False):
    """Relève les demandes de désabonnement d’une boîte (mbox, Maildir) dans private/unsubscribed.csv."""
    from newsletter import unsubscribes as gathering

    settings = _settings()
    target = gathering.unsubscribed_file(settings)
    try:
        gathered = gathering.read_requests(Path(mailbox), strict=strict,
                                           unsubscribe_url=settings["NEWSLETTER_UNSUBSCRIBE_URL"])
    except gathering.MailboxError as error:
        _fail(inert(error))
    added, total = gathering.merge(gathered.requests, target)
    console.print(f"{len(added)} nouvelle(s) demande(s) de désabonnement, {total} au total dans "
                  f"{inert(_shown(target))}\u202f; {gathered.others} autre(s) message(s) laissé(s) de côté.")
    tokenless = [r for r in added if r.tokenless]
    if tokenless:
        console.print(f"{len(tokenless)} demande(s) «\u202fsans jeton\u202f», qui valent pour l’adresse "
                      "d’expédition (From)\u00a0: vérifiez qu’elles viennent bien de l’abonné.")
        for request in tokenless:
            console.print(f"  • {inert(request.email)} ({inert(request.source)})")
    if gathered.refused:
        console.print(f"{len(gathered.refused)} demande(s) écartée(s), rien n’est noté pour elles\u00a0:")
        for refusal in gathered.refused:
            console.print(f"  • {inert(refusal.source)}\u00a0: {inert(refusal.reason)}")


@task
def audit(c):
    """Cherche dans output/ tout texte réservé à un palier (fichiers compressés compris)."""
    from tiers import audit as find_leaks

    settings = _settings()
    output = _built(settings)
    leaks = find_leaks(settings, output)
    if leaks:
        _fail(f"texte réservé trouvé dans {len(leaks)} fichier{'s' if len(leaks) > 1 else ''} "
              f"publics de {output.name}/\u00a0:", leaks)
    console.print(f"[green]Aucune fuite[/]\u00a0: rien de réservé dans {output.name}/.")


@task
def clean(c):
    """Supprime output/ et le cache de construction (jamais private/)."""
    settings = _settings()
    for folder in (settings["OUTPUT_PATH"], settings["CACHE_PATH"]):
        path = ROOT / folder
        if path.exists():
            shutil.rmtree(path)
            console.print(f"Supprimé\u00a0: {_shown(path)}/")


@task(help={"args": "arguments passés à pytest, par exemple «\u202f-k typographie -x\u202f»"})
def test(c, args=""):
    """Installe ce qu’il faut aux tests (validateurs, Chromium) et lance toute la suite."""
    sys.path.insert(0, str(ROOT / "tests"))
    from toolchain import ensure_toolchain

    ensure_toolchain(say=console.print)
    sys.exit(c.run(f"{sys.executable} -m pytest {args}", pty=False, warn=True).exited)


@task(help={"dry_run": "montre ce qui serait copié sans rien envoyer"})
def publish(c, dry_run=False):
    """Construit avec publishconf.py et copie output/ vers PUBLISH_TARGET (rsync)."""
    settings = _settings("publishconf.py")
    try:
        target = deploy.publish_target(settings)
    except deploy.DeployError as error:
        _fail(str(error))
    result = _build(settings)
    _report_build(settings, result)
    with console.status(f"Envoi vers {target}…"):
        try:
            done = deploy.publish(ROOT / result.output_path, target, dry_run=dry_run)
        except deploy.DeployError as error:
            _fail(str(error))
    changes = [line for line in done.stdout.splitlines() if line.strip()]
    console.print(f"[green]Publié[/] vers {target}\u00a0: {len(changes)} changement(s) "
                  f"{'seraient envoyés' if dry_run else 'envoyés'}.")


def _articles(settings):
    """The site's articles, as intake and review check addresses against them."""
    from discussion.intake import Articles
    from publishing.sources import article_index

    return Articles.from_index(article_index(settings))


def _queue(settings):
    from discussion import intake

    try:
        return intake.Queue(intake.queue_file(settings))
    except intake.IntakeError as error:
        _fail(inert(str(error)))


@task(name="import", help={"source": "boîte mbox ou Maildir, export JSON d’un formulaire, ou base Isso"})
def comments_import(c, source):
    """Range les commentaires reçus dans la file d’attente de modération (rien n’est publié)."""
    from discussion import intake

    settings = _settings()
    try:
        found = intake.read_source(Path(source), _articles(settings))
    except intake.IntakeError as error:
        _fail(inert(str(error)))
    queue = _queue(settings)
    result = queue.add(found)
    waiting = len(queue.pending())
    queue.close()
    for refused in result.refused:
        err.print(f"[yellow]Refusé[/]\u00a0: {inert(refused.origin)}\u00a0: {inert(refused.reason)}")
    refused = f", {len(result.refused)} refusé(s)" if result.refused else ""
    unknown = f", dont {result.without_article} sans article reconnu" if result.without_article else ""
    console.print(f"{result.added} nouveau(x) commentaire(s) en attente ({result.known} déjà connu(s){refused})"
                  f"{unknown}\u202f; {waiting} en attente de modération. Suite\u00a0: invoke comments.review")


@task(name="review", iterable=["approve", "reject"],
      help={"approve": "numéro à approuver (répétable)", "reject": "numéro à rejeter (répétable)",
            "article": "adresse de l’article, pour un commentaire qui n’en désigne pas",
            "as_author": "numéro du commentaire auquel vous répondez, en tant qu’autrice (badge)\u202f; "
                         "approuvé au passage s’il est en attente",
            "reply": "texte de la réponse (avec --as-author)\u202f; sans lui, $EDITOR s’ouvre"})
def comments_review(c, approve=None, reject=None, article=None, as_author=None, reply=None):
    """Montre les commentaires en attente et les approuve ou les rejette\u202f; --as-author N y répond.

    Un à un, ou avec --approve/--reject. Tout ce qu’un commentaire contient est affiché inerte.
    """
    from discussion import intake, review

    settings = _settings()
    queue = _queue(settings)
    content, articles = Path(settings["PATH"]), _articles(settings)

    def show(decision):
        if decision.outcome == "approved":
            console.print(f"Approuvé\u00a0: n°{decision.ident} → {inert(_shown(decision.file))}")
        elif decision.outcome == "rejected":
            console.print(f"Rejeté\u00a0: n°{decision.ident}")
        else:
            err.print(f"[yellow]Non approuvé[/]\u00a0: {inert(decision.reason)}")

    for lines in review.reported(queue, content):  # readers' reports first, with the comment
        console.print()
        for line in lines:
            console.print(line)
    try:
        if as_author is not None:
            if approve or reject:
                _fail("--as-author s’utilise seul (sans --approve ni --reject).")
            _reply_as_author(settings, queue, as_author, reply, content, articles, article)
        elif approve or reject:
            for decision in review.decide_all(queue, approve, reject, content, articles, article):
                show(decision)
        elif not queue.pending():
            console.print("Aucun commentaire en attente.")
        for row in [] if as_author is not None or approve or reject else queue.pending():
            console.print()
            for line in review.describe(row, settings.get("AUTHOR"), settings["AUTHOR_EMAIL"]):
                console.print(line)
            answer = input("[a]pprouver, [r]ejeter, [p]asser\u202f? ").strip().lower()[:1]
            chosen = article if answer != "a" or row["article"] or article else _ask_article(articles)
            if answer == "r":
                show(review.decide(queue, row, "reject", content, articles))
            elif answer == "a" and not (row["article"] or chosen):
                console.print(f"Laissé en attente\u00a0: n°{row['id']}")
            elif answer == "a":
                show(review.decide(queue, row, "approve", content, articles, chosen))
    except intake.IntakeError as error:
        _fail(inert(str(error)))
    except EOFError:
        console.print("\nFin de la saisie\u00a0: les autres commentaires restent en attente.")
    finally:
        queue.close()


def _reactions_settings(conf: str = "pelicanconf.py"):
    from reactions import config

    settings = config.merged(_settings(conf))
    problems = config.problems(settings)
    if problems:
        _fail("réglages des échos invalides", problems)
    return settings


def _ask_article(articles) -> str | None:
    """The article typed for a comment that names none; None to leave it pending."""
    while True:
        typed = input("Adresse de l’article (vide\u00a0: le laisser en attente)\u00a0: ").strip()
        if not typed or articles.slug_of(typed):
            return typed or None
        err.print(f"[yellow]Refusé[/]\u00a0: {inert(articles.refusal(typed))}")


def _reply_as_author(settings, queue, ident, text, content, articles, article) -> None:
    import os

    from discussion import review

    if not str(ident).isdigit():
        _fail(f"--as-author attend un numéro de la file, pas «\u202f{inert(ident)}\u202f».")
    row = queue.get(int(ident))
    if row is None:
        _fail(f"aucun commentaire ne porte le numéro {inert(ident)}.")
    if text is None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            _fail("donnez le texte avec --reply \"…\", ou définissez $EDITOR pour l’écrire dans votre éditeur.")
        text = review.text_from_editor(editor, review.reply_template(row))
    approved, written = review.author_reply(
        queue, int(ident), text, content, articles, author=settings.get("AUTHOR") or "",
        badge=settings["AUTHOR_BADGE"], timezone=settings.get("TIMEZONE") or "UTC", article=article)
    if approved:
        console.print(f"Approuvé\u00a0: n°{row['id']} → {inert(_shown(approved))}")
    console.print(f"Réponse écrite\u00a0: {inert(_shown(written))} (badge «\u202f{inert(settings['AUTHOR_BADGE'])}\u202f»)")


def _reactions_store(settings):
    from reactions.store import Store

    return Store(ROOT / settings["REACTIONS_STORE"])


def _zone(settings):
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.get("TIMEZONE") or "UTC")


def _article_index(settings) -> list[dict]:
    """[{slug, title, url, path}]: the reactions package still takes dicts (publishing.sources.ArticleRef)."""
    from dataclasses import asdict

    from publishing.sources import article_index

    return [asdict(article) for article in article_index(settings)]


@task(name="import-opml", help={"file": "fichier OPML exporté d’un lecteur de flux"})
def reactions_import_opml(c, file):
    """Ajoute les sources d’un fichier OPML à reactions/sources.opml."""
    from reactions import opml

    target = ROOT / "reactions" / "sources.opml"
    try:
        incoming = opml.read(Path(file))
        current = opml.read(target) if target.exists() else []
    except opml.OpmlError as error:
        _fail(inert(str(error)))
    known = {f.url for f in current}
    added = [f for f in incoming if f.url not in known]
    opml.write(target, current + added)
    for feed in added:
        console.print(f"  + {inert(feed.name)} ({inert(feed.url)})")
    console.print(f"{len(added)} source(s) ajoutée(s), {len(current) + len(added)} au total dans reactions/sources.opml.")


@task(name="export-opml", help={"file": "fichier OPML à écrire"})
def reactions_export_opml(c, file):
    """Écrit les sources suivies dans un fichier OPML, pour un lecteur de flux."""
    from reactions import opml

    try:
        feeds = opml.read(ROOT / "reactions" / "sources.opml")
    except opml.OpmlError as error:
        _fail(inert(str(error)))
    opml.write(Path(file), feeds)
    console.print(f"{len(feeds)} source(s) écrite(s) dans {inert(file)}.")


@task(name="fetch")
def reactions_fetch(c):
    """Relève les sources de reactions/sources.opml et range les réactions dans la base."""
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from reactions import opml, sources
    from reactions.config import Limits
    from reactions.fetch import fetch_all
    from reactions.match import Matcher

    settings = _reactions_settings("publishconf.py")  # reactions link to the public addresses of the articles
    try:
        feeds = opml.read(ROOT / "reactions" / "sources.opml")
    except opml.OpmlError as error:
        _fail(inert(str(error)))
    zone = _zone(settings)
    store = _reactions_store(settings)
    try:
        synced = sources.sync(store, feeds)  # the OPML is the truth: first, in one transaction
        for source in synced.added:
            console.print(f"  + {inert(source.name)} ({inert(source.origin)})\u00a0: nouvelle source")
        for source in synced.restored:
            console.print(f"  + {inert(source.name)} ({inert(source.origin)})\u00a0: de nouveau suivie")
        for source in synced.removed:
            console.print(f"  − {inert(source.name)} ({inert(source.origin)})\u00a0: retirée de sources.opml, plus "
                          "relevée (ses entrées restent)")
        plan = sources.plan(synced.listed, zone=zone)
        matcher = Matcher(_article_index(settings), settings["REACTIONS_KEYWORDS"])
        with Progress(TextColumn("Relève"), BarColumn(), MofNCompleteColumn(), console=err,
                      transient=True) as progress:
            task_id = progress.add_task("relève", total=plan.total)  # sized by the same plan the fetch uses
            report = asyncio.run(fetch_all(store, plan, matcher, Limits.from_settings(settings),
                                           on_done=lambda r: progress.advance(task_id), zone=zone))
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
def reactions_status(c):
    """Liste les sources suivies : dernière relève réussie, dernière erreur."""
    from reactions import opml, sources

    settings = _reactions_settings()
    path = ROOT / "reactions" / "sources.opml"
    try:
        feeds = opml.read(path) if path.exists() else None
    except opml.OpmlError as error:
        _fail(inert(str(error)))
    store = _reactions_store(settings)
    try:
        views = sources.overview(store, feeds, zone=_zone(settings))
    finally:
        store.close()
    if not views:
        console.print("Aucune source suivie\u00a0: ajoutez-en avec «\u202finvoke reactions.import-opml\u202f».")
        return
    for view in views:
        line = (f"{inert(view.name)} \\[{inert(view.kind)}] — {inert(view.state)} — dernière relève réussie\u00a0: "
                f"{inert(view.last_ok)} — {view.entries} entrée(s)")
        if view.last_error:
            line += f" — dernière erreur\u00a0: {inert(view.last_error)}"
        console.print(line, highlight=False)


@task(help={"since": "période couverte, en jours (7d par défaut)"})
def digest(c, since="7d"):
    """Écrit l’article « Échos de la communauté » de la semaine et les échos de chaque article."""
    import datetime as dt

    from reactions.digest import DigestError, write_data, write_digest

    if not since.rstrip("d").isdigit():
        _fail(f"--since «\u202f{inert(since)}\u202f»\u00a0: attendu un nombre de jours, par exemple 7d")
    settings = _reactions_settings()
    articles = {a["slug"]: (a["title"], a["path"]) for a in _article_index(settings)}
    store = _reactions_store(settings)
    content = Path(settings["PATH"])
    try:
        written = write_digest(store, articles, content, dt.timedelta(days=int(since.rstrip("d"))))
        data = write_data(store, articles, content, settings["REACTIONS_DATA"])
    except DigestError as error:
        _fail(inert(str(error)))
    finally:
        store.close()
    shown = written.path.relative_to(ROOT) if written.path.is_relative_to(ROOT) else written.path
    console.print(f"Écrit\u00a0: {inert(shown)} ({written.reactions} réaction(s), {written.mentions} mention(s), "
                  "en brouillon).")
    if data.written:
        line = (f"{inert(data.path.name)} pour «\u202fIls en parlent\u202f»\u00a0: {data.added} écho(s) ajouté(s), "
                f"{data.kept} gardé(s)")
        console.print(line + (f", {data.dropped} plus ancien(s) écarté(s)." if data.dropped else "."))
    else:
        console.print(f"{inert(data.path.name)} inchangé\u00a0: aucun nouvel écho ({data.kept} gardé(s)).")


def _namespace():
    from invoke import Collection

    comments = Collection("comments")
    comments.add_task(comments_import)
    comments.add_task(comments_review)
    reactions = Collection("reactions")
    for item in (reactions_fetch, reactions_status, reactions_import_opml, reactions_export_opml):
        reactions.add_task(item)
    root = Collection(build, serve, livereload, new, clean, publish, test, newsletter, send, unsubscribes, audit,
                      digest)
    root.add_collection(comments)
    root.add_collection(reactions)
    from engagement.cli import commands  # engagement.serve, subscribers.*, ideas.*, feedback

    for item in commands(ROOT):
        (root.add_collection if isinstance(item, Collection) else root.add_task)(item)
    return root


ns = _namespace()

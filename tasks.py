"""The author's command line: `invoke --list` shows every task.

Thin by design: each task parses its arguments and calls a function of the
plugins' packages (plugins/*), where the work and its tests live.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import task
from rich.console import Console

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

from publishing import build as building  # noqa: E402
from publishing import deploy, scaffold, serve as serving  # noqa: E402
from shared import inert  # noqa: E402

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _settings(conf: str = "pelicanconf.py", **overrides):
    try:
        return building.load_settings(str(ROOT / conf), overrides)
    except building.BuildError as error:
        _fail(f"réglages incorrects dans {conf}\u00a0:", error.problems)


def _fail(message: str, problems=()) -> None:
    err.print(f"[bold red]Erreur[/] : {message}")
    for problem in problems:  # may quote a file, a header or a line written by a stranger
        err.print(f"  • {inert(problem)}")
    sys.exit(1)


def _build(settings) -> building.BuildResult:
    with console.status("Construction du site…", spinner="dots"):
        try:
            result = building.build(settings)
        except building.BuildError as error:
            count = len(error.problems)
            _fail(f"la construction a échoué ({count} problème{'s' if count > 1 else ''})\u202f; "
                  "le site précédent est resté en place.",
                  error.problems)
    for warning in result.warnings:
        err.print(f"[yellow]Avertissement[/] : {inert(warning)}", highlight=False)
    where = result.output_path
    if where.is_relative_to(ROOT):
        where = where.relative_to(ROOT)
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    console.print(f"[green]Site construit[/] dans {where}/ : {result.summary()}, en {seconds}\u00a0s.")
    if result.previews:
        console.print("Brouillons à relire (hors des listes, des flux et de la recherche\u202f; "
                      "jamais publiés par «\u202finvoke publish\u202f»)\u00a0:")
        for address, source in result.previews:
            console.print(f"  {address}  ← {source}", markup=False)
    _tiers_status(settings)
    return result


def _tiers_status(settings) -> None:
    """Say what became of the gated parts: sealed in the pages, or left out."""
    if "tiers" not in settings.get("PLUGINS", []):
        return
    from tiers.ladder import load_ladder
    from tiers.seal import keys_from_env

    ladder = load_ladder(settings)
    if not ladder.gated:
        return
    keys = keys_from_env(ladder)  # already checked by the build
    private = Path(settings["PRIVATE_OUTPUT_PATH"])
    if private.is_relative_to(ROOT):
        private = private.relative_to(ROOT)
    feeds = f"flux privés dans {private}/flux/."
    if keys:
        opened = ", ".join(t.id for t in ladder.gated if any(ladder.get(k).rank >= t.rank for k in keys))
        console.print(f"Paliers\u00a0: parties réservées chiffrées dans les pages ({opened})\u202f; {feeds}")
    else:
        names = ", ".join(t.env_key for t in ladder.gated)
        console.print(f"Paliers\u00a0: sans clé ({names}), les parties réservées sont absentes du site\u202f; {feeds}")

def _warn_port(settings, port) -> None:
    expected = serving.siteurl_port(settings)
    if expected and expected != int(port):
        err.print(f"[yellow]Avertissement[/]\u00a0: les liens du site pointent vers le port {expected} "
                  f"(SITEURL = {settings['SITEURL']}), pas vers {port}.")


@task(help={"conf": "fichier de réglages (pelicanconf.py par défaut)"})
def build(c, conf="pelicanconf.py"):
    """Construit le site dans output/ (vérifie le contenu, indexe la recherche)."""
    _build(_settings(conf))


@task(help={"port": "port d’écoute (8000)", "host": "adresse d’écoute (localhost)"})
def serve(c, port=8000, host="localhost"):
    """Sert le site construit sur http://localhost:8000/."""
    settings = _settings()
    output = ROOT / settings["OUTPUT_PATH"]
    if not (output / "index.html").exists():
        _fail("le site n’est pas construit : lancez d’abord « invoke build ».")
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

    settings = _settings()
    settings["PAGEFIND"] = False  # a rebuild should take a second, not the index's time

    def rebuild():
        try:
            result = building.build(settings)
            console.print(f"Reconstruit : {result.summary()}.")
        except building.BuildError as error:
            for problem in error.problems:
                err.print(f"  • {problem}", markup=False)

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
    console.print(f"Créé : {path.relative_to(ROOT)} (statut brouillon : retirez « Status: draft » pour publier)")


@task(help={"issue": "numéro à rendre (par défaut : le dernier)",
            "conf": "réglages (publishconf.py par défaut : les liens des courriels doivent être publics)"})
def newsletter(c, issue="latest", conf="publishconf.py"):
    """Rend les éditions d’un numéro de la lettre, une par palier, dans private/newsletter/."""
    _, editions = _render_editions(conf, issue)
    for edition in editions:
        shown = Path(edition.folder)
        if shown.is_relative_to(ROOT):
            shown = shown.relative_to(ROOT)
        kilo = f"{edition.size / 1024:.1f}".replace(".", ",")
        console.print(f"Édition « {edition.tier} » : {shown}/{edition.tier}.html, .txt, .eml ({kilo}\u00a0Ko)")

def _render_editions(conf: str, issue) -> list:
    """Render one issue's editions in memory (and in private/), output/ untouched."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nenufar-lettre-") as scratch:
        settings = _settings(conf, OUTPUT_PATH=str(Path(scratch) / "site"), PAGEFIND=False,
                             NEWSLETTER_EDITION=str(issue))
        with console.status("Rendu des éditions…", spinner="dots"):
            try:
                result = building.build(settings)
            except building.BuildError as error:
                _fail("le rendu de la lettre a échoué.", error.problems)
    for warning in result.warnings:
        err.print(f"[yellow]Avertissement[/] : {inert(warning)}", highlight=False)
    return settings, list(result.editions)


@task(help={"issue": "numéro à envoyer",
            "subscribers": "fichier CSV des abonnés (colonnes email,name,tier,token)",
            "dry_run": "vérifie et compte sans rien envoyer",
            "rate": "messages par seconde au plus (sans limite par défaut)",
            "conf": "réglages (publishconf.py par défaut)"})
def send(c, issue, subscribers, dry_run=False, rate=0.0, conf="publishconf.py"):
    """Envoie un numéro à chaque abonné dans l’édition de son palier, une seule fois."""
    import signal

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from newsletter import send as sending, unsubscribes

    settings, editions = _render_editions(conf, issue)
    tiers = {e.tier for e in editions}
    try:
        people, problems = sending.read_subscribers(Path(subscribers), tiers)
    except sending.SendError as error:
        _fail(inert(error))
    for problem in problems:
        err.print(f"[yellow]Ignoré[/]\u00a0: {inert(problem)}", highlight=False)
    private = Path(settings["PRIVATE_OUTPUT_PATH"])
    unsubscribed, tokens = unsubscribes.unsubscribed(private / "unsubscribed.csv")
    staying = [p for p in people if not sending.is_unsubscribed(p, unsubscribed, tokens)]
    counts = {tier: sum(1 for p in staying if p.tier == tier) for tier in [e.tier for e in editions]}
    number = editions[0].issue
    listing = ", ".join(f"{tier} {n}" for tier, n in counts.items())
    if dry_run:
        console.print(f"Essai à blanc, numéro {number}\u00a0: {len(staying)} destinataires ({inert(listing)})"
                      f", {len(problems)} ligne{'s' if len(problems) > 1 else ''} ignorée"
                      f"{'s' if len(problems) > 1 else ''}, "
                      f"{len(people) - len(staying)} désabonné(s). Rien n’a été envoyé.")
        return
    try:
        config = sending.SmtpConfig.from_settings(settings)
    except sending.SendError as error:
        _fail(inert(error))
    journal = sending.Journal(private / "envois.sqlite3")
    stopping = []

    def on_interrupt(signum, frame):
        if stopping:  # a second Ctrl-C: stop now; the message in flight is reported next time
            raise KeyboardInterrupt
        stopping.append(True)
        err.print("Arrêt demandé\u00a0: le message en cours se termine, puis l’envoi s’arrête "
                  "(relancez la même commande pour reprendre).")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    columns = (TextColumn("Envoi"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task_id = progress.add_task("envoi", total=len(people))
            report = sending.send_issue(
                editions, people, journal, sending.Mailer(config), issue=number,
                sender=settings["NEWSLETTER_FROM"], unsubscribed=unsubscribed, unsubscribed_tokens=tokens,
                rate=float(rate) or None,
                retry_delays=settings["SMTP_RETRY_DELAYS"],
                stop=lambda: bool(stopping),
                on_progress=lambda subscriber, outcome: progress.advance(task_id))
    except sending.SendError as error:
        _fail(f"envoi interrompu\u00a0: {inert(error)} (relancez la même commande pour reprendre).")
    finally:
        signal.signal(signal.SIGINT, previous)
        journal.close()
    console.print(f"Numéro {number}\u00a0: {len(report.sent)} envoyé(s), {len(report.already)} déjà envoyé(s), "
                  f"{len(report.unsubscribed)} désabonné(s), {len(problems)} ligne(s) ignorée(s), "
                  f"{len(report.failed)} en échec, {len(report.deferred)} à reprendre, "
                  f"{len(report.ambiguous)} incertain(s).")
    for address, error in report.failed:
        err.print(f"  • échec définitif pour {inert(address)}\u00a0: {inert(error)}")
    for address, error in report.deferred:
        err.print(f"  • échec temporaire pour {inert(address)}\u00a0: {inert(error)} "
                  "(sera retenté à la prochaine reprise)")
    for address in report.ambiguous:
        err.print(f"  • incertain\u00a0: {inert(address)} était en cours d’envoi quand l’envoi précédent s’est "
                  "arrêté brutalement\u202f; il n’est pas renvoyé, vérifiez s’il l’a reçu.")
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
    target = Path(settings["PRIVATE_OUTPUT_PATH"]) / "unsubscribed.csv"
    try:
        gathered = gathering.read_requests(Path(mailbox), strict=strict,
                                           unsubscribe_url=settings["NEWSLETTER_UNSUBSCRIBE_URL"])
    except gathering.MailboxError as error:
        _fail(inert(error))
    added, total = gathering.merge(gathered.requests, target)
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    console.print(f"{len(added)} nouvelle(s) demande(s) de désabonnement, {total} au total dans "
                  f"{inert(shown)}\u202f; {gathered.others} autre(s) message(s) laissé(s) de côté.")
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
    output = Path(settings["OUTPUT_PATH"])
    if not (output / "index.html").exists():
        _fail("le site n’est pas construit : lancez d’abord « invoke build ».")
    leaks = find_leaks(settings, output)
    if leaks:
        _fail(f"texte réservé trouvé dans {len(leaks)} fichier{'s' if len(leaks) > 1 else ''} "
              f"publics de {output.name}/ :", leaks)
    console.print(f"[green]Aucune fuite[/] : rien de réservé dans {output.name}/.")


@task
def clean(c):
    """Supprime output/ et le cache de construction (jamais private/)."""
    settings = _settings()
    for folder in (settings["OUTPUT_PATH"], settings["CACHE_PATH"]):
        path = ROOT / folder
        if path.exists():
            shutil.rmtree(path)
            console.print(f"Supprimé : {path.relative_to(ROOT)}/")


@task(help={"args": "arguments passés à pytest, par exemple « -k typographie -x »"})
def test(c, args=""):
    """Installe ce qu’il faut aux tests (validateurs, Chromium) et lance toute la suite."""
    sys.path.insert(0, str(ROOT / "tests"))
    from toolchain import ensure_toolchain

    ensure_toolchain(say=console.print)
    result = c.run(f"{sys.executable} -m pytest {args}", pty=False, warn=True)
    sys.exit(result.exited)


@task(help={"dry_run": "montre ce qui serait copié sans rien envoyer"})
def publish(c, dry_run=False):
    """Construit avec publishconf.py et copie output/ vers PUBLISH_TARGET (rsync)."""
    settings = _settings("publishconf.py")
    try:
        target = deploy.publish_target(settings)
    except deploy.DeployError as error:
        _fail(str(error))
    result = _build(settings)
    with console.status(f"Envoi vers {target}…"):
        try:
            done = deploy.publish(ROOT / result.output_path, target, dry_run=dry_run)
        except deploy.DeployError as error:
            _fail(str(error))
    changes = [line for line in done.stdout.splitlines() if line.strip()]
    verb = "seraient envoyés" if dry_run else "envoyés"
    console.print(f"[green]Publié[/] vers {target} : {len(changes)} changement(s) {verb}.")


def _articles(settings):
    """The site's articles, as intake and review check addresses against them."""
    from discussion.intake import Articles
    from publishing.sources import article_index

    return Articles.from_index(article_index(settings))


def _queue(settings):
    from discussion import intake

    try:
        return intake.Queue(Path(settings["PRIVATE_OUTPUT_PATH"]) / "commentaires.sqlite3")
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
    taken = [s for s in found if intake.refusal(s) is None]
    unknown = sum(1 for s in taken if not s.article)
    refused = f", {len(result.refused)} refusé(s)" if result.refused else ""
    console.print(f"{result.added} nouveau(x) commentaire(s) en attente ({result.known} déjà connu(s){refused})"
                  f"{f', dont {unknown} sans article reconnu' if unknown else ''}\u202f; "
                  f"{waiting} en attente de modération. Suite\u00a0: invoke comments.review")


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
    import os

    from discussion import intake, review

    settings = _settings()
    queue = _queue(settings)
    content = Path(settings["PATH"])
    articles = _articles(settings)

    def shown(path):
        return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

    def approve_one(row, slug=None):
        try:
            path = intake.approve(row, content, queue, articles, slug or article)
        except intake.IntakeError as error:
            err.print(f"[yellow]Non approuvé[/]\u00a0: {inert(str(error))}")
            return False
        queue.set(row["id"], "approved", str(path))
        console.print(f"Approuvé\u00a0: n°{row['id']} → {inert(shown(path))}")
        return True

    def ask_article(row):
        """The article typed for a comment that names none; None to leave it pending."""
        while True:
            typed = input("Adresse de l’article (vide\u00a0: le laisser en attente)\u00a0: ").strip()
            if not typed:
                return None
            if articles.slug_of(typed):
                return typed
            err.print(f"[yellow]Refusé[/]\u00a0: {inert(articles.refusal(typed))}")

    try:
        if as_author is not None:
            if approve or reject:
                _fail("--as-author s’utilise seul (sans --approve ni --reject).")
            if not str(as_author).isdigit():
                _fail(f"--as-author attend un numéro de la file, pas «\u202f{inert(as_author)}\u202f».")
            row = queue.get(int(as_author))
            if row is None:
                _fail(f"aucun commentaire ne porte le numéro {inert(as_author)}.")
            text = reply
            if text is None:
                editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
                if not editor:
                    _fail("donnez le texte avec --reply \"…\", "
                          "ou définissez $EDITOR pour l’écrire dans votre éditeur.")
                try:
                    text = review.text_from_editor(editor, review.reply_template(row))
                except intake.IntakeError as error:
                    _fail(inert(str(error)))
            try:
                approved, written = review.author_reply(
                    queue, int(as_author), text, content, articles, author=settings.get("AUTHOR") or "",
                    badge=settings["AUTHOR_BADGE"], timezone=settings.get("TIMEZONE") or "UTC", article=article)
            except intake.IntakeError as error:
                _fail(inert(str(error)))
            if approved:
                console.print(f"Approuvé\u00a0: n°{row['id']} → {inert(shown(approved))}")
            badge = inert(settings["AUTHOR_BADGE"])
            console.print(f"Réponse écrite\u00a0: {inert(shown(written))} (badge «\u202f{badge}\u202f»)")
            return
        if approve or reject:
            for ident in [*approve, *reject]:
                row = queue.get(int(ident)) if str(ident).isdigit() else None
                if row is None or row["status"] != "pending":
                    _fail(f"aucun commentaire en attente ne porte le numéro {inert(ident)}.")
            for ident in approve:
                approve_one(queue.get(int(ident)))
            for ident in reject:
                queue.set(int(ident), "rejected")
                console.print(f"Rejeté\u00a0: n°{ident}")
            return
        rows = queue.pending()
        if not rows:
            console.print("Aucun commentaire en attente.")
            return
        for row in rows:
            console.print()
            for line in review.describe(row, settings.get("AUTHOR"), settings["AUTHOR_EMAIL"]):
                console.print(line, highlight=False)
            answer = input("[a]pprouver, [r]ejeter, [p]asser\u202f? ").strip().lower()[:1]
            if answer == "a":
                slug = None
                if not row["article"] and not article:
                    slug = ask_article(row)
                    if slug is None:
                        console.print(f"Laissé en attente\u00a0: n°{row['id']}")
                        continue
                approve_one(row, slug)
            elif answer == "r":
                queue.set(row["id"], "rejected")
                console.print(f"Rejeté\u00a0: n°{row['id']}")
    except EOFError:
        console.print("\nFin de la saisie\u00a0: les autres commentaires restent en attente.")
    finally:
        queue.close()


def _reactions_store(settings):
    from reactions.store import Store

    return Store(ROOT / settings.get("REACTIONS_STORE", "reactions/reactions.sqlite3"))


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

    from reactions import opml
    from reactions.fetch import fetch_all
    from reactions.match import Matcher

    settings = _settings("publishconf.py")  # reactions link to the public addresses of the articles
    try:
        feeds = opml.read(ROOT / "reactions" / "sources.opml")
    except opml.OpmlError as error:
        _fail(inert(str(error)))
    store = _reactions_store(settings)
    listed = {f.url for f in feeds}
    for feed in feeds:
        if not any(s.url == feed.url for s in store.sources()):
            store.upsert_source(feed.url, feed.name, feed.kind, feed.html_url)
    matcher = Matcher(_article_index(settings), settings.get("REACTIONS_KEYWORDS", []))
    sources = [s for s in store.sources() if s.url in listed or s.fetches]
    with Progress(TextColumn("Relève"), BarColumn(), MofNCompleteColumn(), console=err, transient=True) as progress:
        task_id = progress.add_task("relève", total=len(sources))
        results = asyncio.run(fetch_all(store, matcher, on_done=lambda r: progress.advance(task_id)))
    store.close()
    counts = {k: sum(1 for r in results if r.status == k) for k in ("ok", "not-modified", "skipped", "error")}
    console.print(f"{len(results)} source(s)\u00a0: {counts['ok']} lue(s), {counts['not-modified']} inchangée(s), "
                  f"{counts['skipped']} en attente ou désactivée(s), {counts['error']} en erreur\u202f; "
                  f"{sum(r.added for r in results)} nouvelle(s) entrée(s).")
    for result in sorted(results, key=lambda r: r.source.name):
        if result.status == "error":
            err.print(f"  • {inert(result.source.name)} ({inert(result.source.url)})\u00a0: {inert(result.error)}",
                      highlight=False)


@task(name="status")
def reactions_status(c):
    """Liste les sources suivies : dernière relève réussie, dernière erreur."""
    settings = _settings()
    store = _reactions_store(settings)
    sources = store.sources()
    store.close()
    if not sources:
        console.print("Aucune source relevée\u00a0: lancez «\u202finvoke reactions.fetch\u202f».")
        return
    for s in sources:
        state = f"désactivée ({s.disabled})" if s.disabled else (f"en attente jusqu’à {s.retry_after}" if s.retry_after else "active")
        line = (f"{inert(s.name)} \\[{inert(s.kind)}] — {inert(state)} — dernière relève réussie\u00a0: "
                f"{inert(s.last_ok_at or 'jamais')}")
        if s.last_error:
            line += f" — dernière erreur ({inert(s.last_error_at)})\u00a0: {inert(s.last_error)}"
        console.print(line, highlight=False)


@task(help={"since": "période couverte, en jours (7d par défaut)"})
def digest(c, since="7d"):
    """Écrit l’article « Échos de la communauté » de la semaine et les échos de chaque article."""
    import datetime as dt

    from reactions.digest import DigestError, write_data, write_digest

    if not since.rstrip("d").isdigit():
        _fail(f"--since «\u202f{inert(since)}\u202f»\u00a0: attendu un nombre de jours, par exemple 7d")
    settings = _settings()
    articles = {a["slug"]: (a["title"], a["path"]) for a in _article_index(settings)}
    store = _reactions_store(settings)
    content = Path(settings["PATH"])
    try:
        path, reactions, mentions = write_digest(store, articles, content, dt.timedelta(days=int(since.rstrip("d"))))
    except DigestError as error:
        store.close()
        _fail(inert(str(error)))
    data = write_data(store, articles, content)
    store.close()
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    console.print(f"Écrit\u00a0: {inert(shown)} ({reactions} réaction(s), {mentions} mention(s), en brouillon) et "
                  f"{inert(data.name)} pour «\u202fIls en parlent\u202f».")

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
    return root


ns = _namespace()

"""The newsletter's commands: `invoke newsletter`, `invoke send`, `invoke unsubscribes`.

They parse arguments, call editions.py, send.py and unsubscribes.py, and print
what comes back; the decisions (who receives what, who has left) live there.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path


from publishing import BuildError, cli
from shared import inert, number_fr, plural

from . import unsubscribes as gathering
from .editions import render_issue

Project, console, err, fail, warn, task = cli.Project, cli.console, cli.err, cli.fail, cli.warn, cli.task


def _editions(project: Project, conf: str, issue):
    if str(issue) != "latest" and not str(issue).isdigit():
        fail(f"--issue attend un numéro de la lettre (par exemple 2) ou «\u202flatest\u202f», "
             f"pas «\u202f{inert(issue)}\u202f».")
    settings = project.settings(conf)
    with console.status("Rendu des éditions…", spinner="dots"):
        try:
            result = render_issue(settings, issue)
        except BuildError as error:
            fail("le rendu de la lettre a échoué.", error.problems)
    for warning in result.warnings:
        warn(warning)
    return settings, result.editions


@task(help={"issue": "numéro à rendre (par défaut\u00a0: le dernier)",
            "conf": "réglages (publishconf.py par défaut\u00a0: les liens des courriels doivent être publics)"})
def newsletter(c, issue="latest", conf="publishconf.py"):
    """Rend les éditions d’un numéro de la lettre, une par palier, dans private/newsletter/."""
    project = Project(c)
    for edition in _editions(project, conf, issue)[1]:
        kilo = f"{edition.size / 1024:.1f}".replace(".", ",")
        console.print(f"Édition «\u202f{edition.tier}\u202f»\u00a0: {project.shown(edition.folder)}/{edition.tier}.html, "
                      f".txt, .eml ({kilo}\u00a0Ko)")


@task(help={"issue": "numéro à envoyer",
            "subscribers": "fichier CSV des abonnés (colonnes email,name,tier,token)\u202f; sans lui, "
                           "les abonnés du service (ENGAGEMENT_URL)",
            "dry_run": "vérifie et compte sans rien envoyer",
            "rate": "messages par seconde au plus (sans limite par défaut)",
            "conf": "réglages (publishconf.py par défaut)"})
def send(c, issue, subscribers=None, dry_run=False, rate=0.0, conf="publishconf.py"):
    """Envoie un numéro à chaque abonné dans l’édition de son palier, une seule fois."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from . import send as sending  # SMTP and address checks: only for this command

    settings, editions = _editions(Project(c), conf, issue)
    try:
        plan = sending.plan_recipients(settings, editions, Path(subscribers) if subscribers else None)
    except sending.SendError as error:
        fail(inert(error), error=error)
    for problem in plan.skipped:
        err.print(f"[yellow]Ignoré[/]\u00a0: {inert(problem)}")
    if dry_run:
        console.print(f"Essai à blanc, {inert(plan.summary())}. Rien n’a été envoyé.")
        return
    try:
        config = sending.SmtpConfig.from_settings(settings)
    except sending.SendError as error:
        fail(inert(error), error=error)
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
        fail(f"envoi interrompu\u00a0: {inert(error)} (relancez la même commande pour reprendre).", error=error)
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
    project = Project(c)
    settings = project.settings()
    target = gathering.unsubscribed_file(settings)
    try:
        gathered = gathering.read_requests(Path(mailbox), strict=strict,
                                           unsubscribe_url=settings["NEWSLETTER_UNSUBSCRIBE_URL"])
    except gathering.MailboxError as error:
        fail(inert(error), error=error)
    added, total = gathering.merge(gathered.requests, target)
    console.print(f"{plural(len(added), 'nouvelle demande')} de désabonnement, {number_fr(total)} au total dans "
                  f"{inert(project.shown(target))}\u202f; {plural(gathered.others, 'autre message laissé', 'autres messages laissés')} de côté.")
    tokenless = [r for r in added if r.tokenless]
    if tokenless:
        one = len(tokenless) < 2
        console.print(f"{plural(len(tokenless), 'demande')} «\u202fsans jeton\u202f», qui "
                      f"{'vaut' if one else 'valent'} pour l’adresse d’expédition (From)\u00a0: vérifiez "
                      f"qu’{'elle vient' if one else 'elles viennent'} bien de l’abonné.")
        for request in tokenless:
            console.print(f"  • {inert(request.email)} ({inert(request.source)})")
    if gathered.refused:
        one = len(gathered.refused) < 2
        console.print(f"{plural(len(gathered.refused), 'demande écartée')}, rien n’est noté pour "
                      f"{'elle' if one else 'elles'}\u00a0:")
        for refusal in gathered.refused:
            console.print(f"  • {inert(refusal.source)}\u00a0: {inert(refusal.reason)}")

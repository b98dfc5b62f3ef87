"""The author's commands for the service, as invoke collections that tasks.py
adds to its namespace: `engagement.serve`, `subscribers.*`, `ideas.*`,
`feedback`. Thin, like tasks.py: the decisions live in store.py, ideas.py and
sending.py; what readers wrote is printed through `inert`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from invoke import Collection

from newsletter import AddressError, SendError, check_address, csv_cell, read_subscribers
from publishing import cli
from shared import inert, number_fr, plural, write_atomic



class _OnUse:
    """A module of this package imported when a command first uses it: the
    database modules load SQLAlchemy, which `invoke --list` and every other
    command would otherwise pay for."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        from importlib import import_module

        return getattr(import_module(f".{self._name}", __package__), attribute)


db, idea_export, store = _OnUse("db"), _OnUse("ideas"), _OnUse("store")

Project, console, err, fail, task = cli.Project, cli.console, cli.err, cli.fail, cli.task


def _engine(settings: dict):
    return db.engine_for(settings)


def _tiers(settings: dict) -> list[str]:
    if "tiers" not in settings["PLUGINS"]:
        return ["public"]
    from tiers import LadderError, load_ladder

    try:
        return [tier.id for tier in load_ladder(settings).tiers]
    except LadderError as error:
        fail(inert(str(error)), error=error)


def _address(text: str) -> str:
    try:
        return check_address(text.strip()).lower()
    except AddressError as error:
        fail(f"adresse invalide «\u202f{inert(text)}\u202f»" + (f" ({error.reason})" if error.reason else ""))


# engagement.serve ---------------------------------------------------------------------

@task(help={"host": "adresse d’écoute (127.0.0.1\u00a0: derrière le serveur mandataire)",
            "port": "port d’écoute (8100)", "workers": "processus (2)",
            "conf": "réglages (publishconf.py par défaut\u00a0: les liens des courriels doivent être publics)"})
def serve(c, host="127.0.0.1", port=8100, workers=2, conf="publishconf.py"):
    """Lance le service de la lettre (abonnements, désabonnement en un clic, avis, commentaires, idées)."""
    import uvicorn

    project = Project(c)
    settings = project.settings(conf)
    if not settings.get("ENGAGEMENT_URL"):
        fail(f"ENGAGEMENT_URL n’est pas réglé dans {conf} (ni par NENUFAR_ENGAGEMENT_URL)\u00a0: le site ne "
              "saurait pas où envoyer ses formulaires.")
    from newsletter import SmtpConfig

    try:  # without a mail server, no subscription could ever be confirmed
        SmtpConfig.from_settings(settings)
    except SendError as error:
        fail(inert(error), error=error)
    os.environ["NENUFAR_SETTINGS"] = str(project.root / conf)
    where = "PostgreSQL" if os.environ.get(db.ENVIRONMENT) else f"SQLite ({settings['ENGAGEMENT_DATABASE']})"
    _engine(settings).dispose()  # the schema, created once before the workers start
    console.print(f"Service de la lettre sur http://{host}:{port}/ ({workers} processus, base {where})\u00a0; "
                  f"adresse publique\u00a0: {settings['ENGAGEMENT_URL']} (Ctrl+C pour arrêter)")
    uvicorn.run("engagement.app:from_environment", factory=True, host=host, port=int(port), workers=int(workers),
                access_log=False, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                app_dir=str(project.root / "plugins"), log_level="warning", server_header=False)


# subscribers.* -------------------------------------------------------------------------

@task(name="list", help={"tier": "seulement ce palier", "all": "aussi les désabonnés"})
def subscribers_list(c, tier=None, all=False):
    """Liste les abonnés du service (adresse, nom, palier, état)."""
    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        people = store.all_subscribers(engine) if all else store.active_subscribers(engine)
    finally:
        engine.dispose()
    shown = [p for p in people if tier is None or p.tier == tier]
    for p in shown:
        state = "" if p.status == "active" else " (désabonné)"
        console.print(f"{inert(p.email)} — {inert(p.name) or '(sans nom)'} — {inert(p.tier)}{state}")
    console.print(f"{plural(len(shown), 'abonné')}.")


@task(name="import", help={"file": "fichier CSV (email,name,tier,token), celui d’«\u202finvoke send\u202f»"})
def subscribers_import(c, file):
    """Importe un fichier CSV d’abonnés dans le service (les jetons sont gardés)."""
    project = Project(c)
    settings = project.settings()
    try:
        people, problems = read_subscribers(Path(file), set(_tiers(settings)))
    except SendError as error:
        fail(inert(error), error=error)
    for problem in problems:
        err.print(f"[yellow]Ignoré[/]\u00a0: {inert(problem)}")
    engine = _engine(settings)
    try:
        done = store.import_subscribers(engine, people)
    finally:
        engine.dispose()
    console.print(f"{plural(done.added, 'abonné ajouté', 'abonnés ajoutés')}, {number_fr(done.updated)} mis à jour, "
                  f"{plural(len(problems), 'ligne ignorée')}.")


@task(name="export", help={"file": "fichier à écrire", "person": "une seule personne\u00a0: toutes ses données (JSON)"})
def subscribers_export(c, file, person=None):
    """Écrit les abonnés actifs en CSV (ou, avec --person, les données d’une personne en JSON)."""
    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        if person:
            found = store.person(engine, _address(person))
            if found is None:
                fail(f"aucune donnée pour {inert(person)}.")
            write_atomic(Path(file), json.dumps(found, ensure_ascii=False, indent=1) + "\n")
            console.print(f"Données de {inert(person)} écrites dans {inert(file)}.")
            return
        people = store.active_subscribers(engine)
    finally:
        engine.dispose()
    write_atomic(Path(file), store.export_csv(people, csv_cell))
    console.print(f"{plural(len(people), 'abonné écrit', 'abonnés écrits')} dans {inert(file)}.")


@task(name="tier", help={"email": "adresse de l’abonné", "tier": "nouveau palier"})
def subscribers_tier(c, email, tier):
    """Change le palier d’un abonné (par exemple pour l’accueillir au Cercle)."""
    project = Project(c)
    settings = project.settings()
    known = _tiers(settings)
    if tier not in known:
        fail(f"palier inconnu «\u202f{inert(tier)}\u202f» (paliers\u00a0: {', '.join(known)}).")
    engine = _engine(settings)
    try:
        done = store.set_tier(engine, _address(email), tier)
    finally:
        engine.dispose()
    if done == "unknown":
        fail(f"{inert(email)} n’est pas abonné.")
    console.print(f"{inert(email)}\u00a0: palier «\u202f{inert(tier)}\u202f».")


@task(name="forget", help={"email": "adresse dont toute trace doit disparaître (demande RGPD)"})
def subscribers_forget(c, email):
    """Efface toute trace d’une adresse\u00a0: abonnement, demandes, avis, votes."""
    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        done = store.forget(engine, _address(email))
    finally:
        engine.dispose()
    console.print(f"{inert(email)} effacé\u00a0: abonnement {'supprimé' if done.subscriber else 'absent'}, "
                  f"{plural(done.requests, 'demande')}, {number_fr(done.answers)} avis, {plural(done.votes, 'vote')}.")


# ideas.* ------------------------------------------------------------------------------

@task(name="review", iterable=["approve", "reject"],
      help={"approve": "numéro à approuver (répétable)", "reject": "numéro à rejeter (répétable)"})
def ideas_review(c, approve=None, reject=None):
    """Montre les idées proposées en attente et les approuve ou les rejette."""
    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        if approve or reject:
            for ident, verdict in [(i, "approved") for i in approve] + [(i, "rejected") for i in reject]:
                if not str(ident).isdigit() or not store.decide_idea(engine, int(ident), verdict):
                    err.print(f"[yellow]Ignoré[/]\u00a0: aucune idée en attente ne porte le numéro {inert(ident)}.")
                else:
                    console.print(f"{'Approuvée' if verdict == 'approved' else 'Rejetée'}\u00a0: n°{ident}")
            return
        pending = store.list_ideas(engine, "pending")
        if not pending:
            console.print("Aucune idée en attente.")
        for idea in pending:
            console.print()
            by = f" — {inert(idea.author)}" if idea.author else ""
            console.print(f"[bold]n°{idea.id}[/] — {inert(idea.title)}{by} — {inert(idea.created)}")
            if idea.body:
                console.print(inert(idea.body, keep_newlines=True))
            answer = input("[a]pprouver, [r]ejeter, [p]asser\u202f? ").strip().lower()[:1]
            if answer in ("a", "r"):
                store.decide_idea(engine, idea.id, "approved" if answer == "a" else "rejected")
                console.print(f"{'Approuvée' if answer == 'a' else 'Rejetée'}\u00a0: n°{idea.id}")
    except EOFError:
        console.print("\nFin de la saisie\u00a0: les autres idées restent en attente.")
    finally:
        engine.dispose()


@task(name="export")
def ideas_export(c):
    """Écrit les idées approuvées et leurs votes dans content/ pour la page «\u202fVos idées\u202f»."""
    from . import IDEAS_DATA

    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        done = idea_export.export_ideas(engine, Path(settings["PATH"]), IDEAS_DATA)
    finally:
        engine.dispose()
    console.print(f"{plural(done.ideas, 'idée approuvée')}, {plural(done.votes, 'vote')}, écrites dans {inert(done.data.name)}.")
    if done.page:
        console.print(f"Page créée\u00a0: {inert(done.page)} (à relire). Elle paraîtra à la prochaine construction.")


# feedback -----------------------------------------------------------------------------

@task(help={"issue": "numéro de la lettre (par défaut\u00a0: tous)"})
def feedback(c, issue=None):
    """Compte les avis «\u202fAvez-vous aimé ce numéro\u202f?\u202f» reçus par le service."""
    if issue is not None and not str(issue).isdigit():
        fail(f"--issue attend un numéro, pas «\u202f{inert(issue)}\u202f».")
    project = Project(c)
    settings = project.settings()
    engine = _engine(settings)
    try:
        counts = store.feedback_counts(engine, int(issue) if issue is not None else None)
    finally:
        engine.dispose()
    if not counts:
        console.print("Aucun avis reçu.")
    for count in counts:
        total = count.yes + count.no
        console.print(f"Numéro {count.issue}\u00a0: {count.yes} oui, {count.no} non ({total} avis).")


def commands() -> list:
    """What tasks.py adds to its namespace: three collections and one task."""
    engagement = Collection("engagement")
    engagement.add_task(serve)
    subscribers = Collection("subscribers")
    for item in (subscribers_list, subscribers_import, subscribers_export, subscribers_tier, subscribers_forget):
        subscribers.add_task(item)
    ideas = Collection("ideas")
    ideas.add_task(ideas_review)
    ideas.add_task(ideas_export)
    return [engagement, subscribers, ideas, feedback]

"""The author's command line: `invoke --list` shows every task.

Thin by design: a task parses its arguments, calls a function of the plugins'
packages (plugins/*), where the decisions and their tests live, and prints what
comes back, in French. Anything written by someone else is printed through
`inert` (shared/terminal.py).
"""

from __future__ import annotations

import errno
import logging
import shutil
import sys
from pathlib import Path

from invoke import Collection

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

from discussion.cli import comments  # noqa: E402
from engagement.cli import commands as engagement_commands  # noqa: E402
from newsletter.cli import newsletter, send, unsubscribes  # noqa: E402
from publishing import BuildError, build_site, deploy, invoke_fr, scaffold, serve as serving  # noqa: E402
from publishing.cli import Project, build_or_fail, console, err, fail, task  # noqa: E402
from reactions.cli import digest, reactions  # noqa: E402
from shared import inert, plural  # noqa: E402


def _report_build(project, settings, result) -> None:
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    console.print(f"[green]Site construit[/] dans {project.shown(result.output_path)}/\u00a0: {result.summary()}, "
                  f"en {seconds}\u00a0s.")
    if result.previews:
        console.print("Brouillons à relire (hors des listes, des flux et de la recherche\u202f; "
                      "jamais publiés par «\u202finvoke publish\u202f»)\u00a0:")
        for address, source in result.previews:
            console.print(f"  {address}  ← {source}", markup=False)
    if "tiers" in settings["PLUGINS"]:
        from tiers import sealing

        found = sealing(settings)  # the build has checked TIERS and the keys
        feeds = f"flux privés dans {project.shown(found.private_feeds)}/."
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


def _cannot_listen(host, port, error: OSError) -> None:
    if error.errno == errno.EADDRINUSE:
        fail(f"le port {port} est déjà pris (un autre «\u202finvoke serve\u202f» tourne peut-être)\u202f; "
             f"choisissez-en un autre\u00a0: --port {int(port) + 1}.")
    if error.errno == errno.EACCES:
        fail(f"le port {port} est réservé (en dessous de 1024, il faut les droits d’administration)\u202f; "
             "choisissez-en un autre avec --port.")
    fail(f"impossible d’écouter sur {host}:{port} (erreur système n°\u00a0{error.errno}).", error=error)


def _built(project, settings) -> Path:
    output = project.path(settings["OUTPUT_PATH"])
    if not (output / "index.html").exists():
        fail("le site n’est pas construit\u00a0: lancez d’abord «\u202finvoke build\u202f».")
    return output


@task(help={"conf": "fichier de réglages (pelicanconf.py par défaut)"})
def build(c, conf="pelicanconf.py"):
    """Construit le site dans output/ (vérifie le contenu, indexe la recherche)."""
    project = Project(c)
    settings = project.settings(conf)
    _report_build(project, settings, build_or_fail(settings))


@task(help={"port": "port d’écoute (8000)", "host": "adresse d’écoute (localhost)"})
def serve(c, port=8000, host="localhost"):
    """Sert le site construit sur http://localhost:8000/."""
    project = Project(c)
    settings = project.settings()
    output = _built(project, settings)
    _warn_port(settings, port)
    try:
        server = serving.make_server(output, host, int(port))
    except OSError as error:
        _cannot_listen(host, port, error)
    console.print(f"Site servi sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Arrêt du serveur.")


@task(help={"port": "port d’écoute (8000)", "host": "adresse d’écoute (localhost)"})
def livereload(c, port=8000, host="localhost"):
    """Construit, sert et reconstruit à chaque modification (rechargement automatique)."""
    import threading

    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado.ioloop import IOLoop

    from publishing.quick import LiveSite

    class QuietServer(Server):
        def _setup_logging(self):  # its own lines are English; ours say the same in French
            logging.getLogger("livereload").setLevel(logging.WARNING)

    # The search index is kept by a Pagefind service and given only the changed pages.
    settings = dict(Project(c).settings(), PAGEFIND_LIVE=True)
    live = LiveSite(settings)

    def full() -> bool:
        try:
            console.print(f"Reconstruit\u00a0: {live.build().summary()}.")
            return True
        except BuildError as error:
            for problem in error.problems:
                err.print(f"  • {inert(problem)}")
            return False

    _warn_port(settings, port)
    full()
    server = QuietServer(watcher=serving.NoPolling())
    loop = IOLoop.current()
    stop = threading.Event()
    worker = threading.Thread(target=serving.rebuild_on_change, daemon=True, args=(
        live, serving.watch_paths(settings), full, lambda: loop.add_callback(LiveReloadHandler.reload_waiters),
        console.print, stop))
    worker.start()
    console.print(f"Rechargement automatique sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        server.serve(host=host, port=int(port), root=settings["OUTPUT_PATH"])
    except OSError as error:
        _cannot_listen(host, port, error)
    finally:
        stop.set()


@task(help={"title": "titre de l’article ou de la lettre",
            "newsletter": "crée un numéro de la lettre au lieu d’un article"})
def new(c, title, newsletter=False):
    """Crée un article (ou un numéro de la lettre avec --newsletter), en brouillon."""
    project = Project(c)
    if title.startswith("-"):
        fail(f"«\u202f{inert(title)}\u202f» ressemble à une option, pas à un titre\u202f; "
             "donnez le titre entre guillemets\u00a0: invoke new \"Mon titre\".")
    try:
        path = scaffold.new_content(title, project.settings(), newsletter=newsletter)
    except scaffold.ScaffoldError as error:
        fail(str(error), error=error)
    console.print(f"Créé\u00a0: {project.shown(path)} (statut brouillon\u00a0: retirez «\u202fStatus: draft\u202f» pour publier)")


@task
def audit(c):
    """Cherche dans output/ tout texte réservé à un palier (fichiers compressés compris)."""
    from tiers import audit as find_leaks

    project = Project(c)
    settings = project.settings()
    output = _built(project, settings)
    leaks = find_leaks(settings, output)
    if leaks:
        fail(f"texte réservé trouvé dans {len(leaks)} fichier{'s' if len(leaks) > 1 else ''} "
              f"publics de {output.name}/\u00a0:", leaks)
    console.print(f"[green]Aucune fuite[/]\u00a0: rien de réservé dans {output.name}/.")


@task
def clean(c):
    """Supprime output/ et le cache de construction (jamais private/)."""
    project = Project(c)
    settings = project.settings()
    for folder in (settings["OUTPUT_PATH"], settings["CACHE_PATH"]):
        path = project.path(folder)
        if path.exists():
            shutil.rmtree(path)
            console.print(f"Supprimé\u00a0: {project.shown(path)}/")


@task(help={"args": "arguments passés à pytest, par exemple «\u202f-k typography -x\u202f» (les noms des tests sont en anglais)"})
def test(c, args=""):
    """Installe ce qu’il faut aux tests (validateurs, Chromium) et lance toute la suite."""
    sys.path.insert(0, str(ROOT / "tests"))
    from toolchain import ensure_toolchain

    ensure_toolchain(say=console.print)
    sys.exit(c.run(f"{sys.executable} -m pytest {args}", pty=False, warn=True).exited)


@task(help={"dry_run": "montre ce qui serait copié sans rien envoyer"})
def publish(c, dry_run=False):
    """Construit avec publishconf.py et copie output/ vers PUBLISH_TARGET (rsync)."""
    project = Project(c)
    settings = project.settings("publishconf.py")
    try:
        target = deploy.publish_target(settings)
    except deploy.DeployError as error:
        fail(str(error), error=error)
    result = build_or_fail(settings)
    _report_build(project, settings, result)
    with console.status(f"Envoi vers {target}…"):
        try:
            done = deploy.publish(project.path(result.output_path), target, dry_run=dry_run)
        except deploy.DeployError as error:
            fail(str(error), error=error)
    changes = [line for line in done.stdout.splitlines() if line.strip()]
    verb = ("serait envoyé" if dry_run else "envoyé") if len(changes) < 2 else ("seraient envoyés" if dry_run else "envoyés")
    console.print(f"[green]Publié[/] vers {target}\u00a0: {plural(len(changes), 'changement')} {verb}.")


invoke_fr.install()  # invoke's own messages (task list, help, argument errors) in French
ns = Collection(build, serve, livereload, new, clean, publish, test, audit,  # the site
                newsletter, send, unsubscribes, digest, comments, reactions)  # each plugin's commands (cli.py)
for item in engagement_commands():  # engagement.serve, subscribers.*, ideas.*, feedback
    (ns.add_collection if isinstance(item, Collection) else ns.add_task)(item)
ns.configure({"nenufar": {"root": str(ROOT)}})  # the project the commands work on: this folder

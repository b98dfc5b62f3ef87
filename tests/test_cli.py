"""The author CLI, run as the author runs it: `invoke <task>` in a project."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, free_port, write_content
from sample import basic_site

# Every task of the author CLI, as the README's command table lists them.
TASKS = ["build", "serve", "livereload", "new", "clean", "publish", "test", "audit", "newsletter", "send",
         "unsubscribes", "comments.import", "comments.review", "reactions.fetch", "reactions.status",
         "reactions.import-opml", "reactions.export-opml", "digest", "engagement.serve", "subscribers.list",
         "subscribers.import", "subscribers.export", "subscribers.tier", "subscribers.forget", "ideas.review",
         "ideas.export", "feedback"]


def invoke(project, *args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=project, capture_output=True,
        encoding="utf-8", timeout=timeout, env={**os.environ, "PYTHONUTF8": "1", **(env or {})},
    )


def test_every_task_has_a_french_help_line(project):
    listing = invoke(project, "--list").stdout
    listed = [line.split()[0] for line in listing.splitlines()[2:] if line.startswith("  ") and line[2] != " "]
    assert sorted(listed) == sorted(TASKS)
    for name in TASKS:
        line = next((l for l in listing.splitlines() if l.strip().startswith(name + " ")), "")
        assert len(line.split(None, 1)) == 2, f"{name} has no help line:\n{listing}"


def test_every_task_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Commandes", 1)[1].split("\n## ", 1)[0]
    for name in TASKS:
        assert f"`invoke {name}" in readme or f"`{name}" in readme, name


def test_new_article_scaffold(project):
    done = invoke(project, "new", "L'avenir est au marketing des communautés")
    assert done.returncode == 0, done.stderr
    path = project / "content/articles/l-avenir-est-au-marketing-des-communautes.md"
    text = path.read_text(encoding="utf-8")
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()  # the site's TIMEZONE, not the machine's
    assert text.startswith("Title: L'avenir est au marketing des communautés\n"
                           "Slug: l-avenir-est-au-marketing-des-communautes\n"
                           f"Date: {today} ")
    assert "Status: draft" in text
    assert "\nCategory: Carnet\n" in text  # French, never Pelican's "misc"
    assert "Créé : content/articles/l-avenir-est-au-marketing-des-communautes.md" in done.stdout
    # Never overwrite the author's work.
    again = invoke(project, "new", "L'avenir est au marketing des communautés")
    assert again.returncode == 1
    assert "existe déjà" in again.stderr
    assert path.read_text(encoding="utf-8") == text


def test_new_newsletter_issue_takes_the_next_number(project):
    write_content(project / "content", {"newsletter/numero-4.md": "Title: T\nDate: 2026-10-01\nIssue: 4\n\nX\n"})
    done = invoke(project, "new", "--newsletter", "Ce que vos réponses m'ont appris")
    assert done.returncode == 0, done.stderr
    text = (project / "content/newsletter/numero-5.md").read_text(encoding="utf-8")
    assert "Issue: 5\n" in text and "Title: Ce que vos réponses m'ont appris\n" in text
    assert text.endswith("\n\nBonjour,\n\nÉcrivez ici la lettre.\n\nClaire Morvan\n")  # vous, signed by AUTHOR


def test_scaffolds_build_as_drafts(project):
    invoke(project, "new", "Un brouillon")
    invoke(project, "new", "--newsletter", "Une lettre en cours")
    write_content(project / "content", basic_site())
    done = invoke(project, "build")
    assert done.returncode == 0, done.stderr
    assert "Site construit dans output/ : 2 articles, 2 lettres, 1 page, 1 brouillon, en " in done.stdout
    assert not (project / "output/un-brouillon").exists()
    assert (project / "output/brouillons/un-brouillon/index.html").exists()
    assert "Brouillons à relire" in done.stdout
    assert "http://localhost:8000/brouillons/un-brouillon/  ← content/articles/un-brouillon.md" in done.stdout


def test_build_fails_on_bad_content_in_french_without_traceback(project):
    write_content(project / "content", basic_site())
    assert invoke(project, "build").returncode == 0
    write_content(project / "content", {"articles/casse.md": "Title: Cassé\nDate: mardi\n\nTexte.\n"})
    done = invoke(project, "build")
    assert done.returncode == 1
    assert "la construction a échoué" in done.stderr
    assert "content/articles/casse.md:2 : date illisible « mardi »" in done.stderr
    assert "Traceback" not in done.stderr
    assert (project / "output/index.html").exists()  # the previous site is still there


def test_a_misspelt_setting_stops_every_command_naming_it(project):
    write_content(project / "content", basic_site())
    conf = project / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nTOC_MIN_WORD = 800\n", encoding="utf-8")
    for command in (["build"], ["new", "Un titre"], ["audit"]):
        done = invoke(project, *command)
        assert done.returncode == 1, command
        assert ("Erreur\u00a0: réglages incorrects dans pelicanconf.py\u00a0:\n"
                "  • pelicanconf.py\u00a0: réglage inconnu «\u202fTOC_MIN_WORD\u202f»\u202f; "
                "vouliez-vous dire «\u202fTOC_MIN_WORDS\u202f»\u202f?\n") == done.stderr, command
    assert not (project / "output").exists() and not (project / "content/articles/un-titre.md").exists()


def test_clean_keeps_private(project):
    write_content(project / "content", basic_site())
    invoke(project, "build")
    (project / "private").mkdir(exist_ok=True)  # the build writes its private feeds there
    (project / "private/journal.sqlite3").write_text("state")
    done = invoke(project, "clean")
    assert done.returncode == 0
    assert not (project / "output").exists()
    assert (project / "private/journal.sqlite3").exists()


def test_serve_answers_on_localhost(project):
    write_content(project / "content", basic_site())
    assert invoke(project, "build").returncode == 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "invoke", "serve", "--port", str(port)],
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://localhost:{port}/lettre/1/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("invoke serve did not answer")
        assert "Pourquoi cette lettre existe".encode() in page
        # A missing page gets the site's own 404 page, with a 404 status, as on a real host.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://localhost:{port}/nulle-part/", timeout=2)
        assert missing.value.code == 404
        assert "Cette page n’existe pas".encode() in missing.value.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (invoke test installs it as root)")
def test_publish_copies_output_with_rsync(project, tmp_path_factory):
    write_content(project / "content", basic_site())
    write_content(project / "content", {"articles/brouillon.md": "Title: Pas prêt\nDate: 2026-11-02\nStatus: draft\n\nÀ relire.\n"})
    target = tmp_path_factory.mktemp("www")
    (target / "stale.html").write_text("old")
    (target / "brouillons" / "ancien").mkdir(parents=True)
    (target / "brouillons" / "ancien" / "index.html").write_text("un brouillon publié par erreur", encoding="utf-8")
    missing = invoke(project, "publish")
    assert missing.returncode == 1 and "NENUFAR_PUBLISH_TARGET" in missing.stderr
    env = {"NENUFAR_PUBLISH_TARGET": f"{target}/", "NENUFAR_SITEURL": "https://claire.example"}
    dry = invoke(project, "publish", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert not (target / "index.html").exists()
    done = invoke(project, "publish", env=env)
    assert done.returncode == 0, done.stderr
    assert "Publié" in done.stdout
    assert not (target / "stale.html").exists()
    assert not (target / "brouillons").exists()  # drafts never go online, old copies are removed
    page = (target / "l-avenir-est-au-marketing-des-communautes/index.html").read_text(encoding="utf-8")
    assert 'href="https://claire.example/l-avenir-est-au-marketing-des-communautes/"' in page


def test_livereload_rebuilds_when_content_changes(project):
    write_content(project / "content", basic_site())
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "invoke", "livereload", "--port", str(port)],
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}/lettre/1/"

    def page():
        try:
            return urllib.request.urlopen(url, timeout=2).read().decode("utf-8")
        except OSError:
            return ""

    try:
        deadline = time.time() + 30
        while "Pourquoi cette lettre existe" not in page():
            assert time.time() < deadline, "livereload did not serve the site"
            time.sleep(0.2)
        source = project / "content/newsletter/numero-1.md"
        source.write_text(source.read_text(encoding="utf-8").replace(
            "Pourquoi cette lettre existe", "Pourquoi cette lettre a changé"), encoding="utf-8")
        deadline = time.time() + 30
        while "Pourquoi cette lettre a changé" not in page():
            assert time.time() < deadline, "livereload did not rebuild"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)

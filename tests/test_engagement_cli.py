"""The author's commands for the service, run as the author runs them (`invoke …`
in a project), against the database the service writes."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest

from conftest import write_content
from engagement import make_engine, store
from engagement.db import database_url
from engagement_support import database, postgres  # noqa: F401 (fixtures)
from publishing.build import load_settings
from test_cli import invoke
from test_engagement_build import FILES

PEOPLE = "email,name,tier,token\nalice@exemple.fr,Alice,public,jeton-alice-0001\n" \
         "bruno@exemple.fr,=HYPERLINK(\"x\"),abonnes,jeton-bruno-0001\nnul@exemple,Nul,public,jeton-nul-00001\n"


def ok(done):
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def author(project, database):
    """A project whose service database holds Alice and Bruno (imported by the CLI)."""
    write_content(project / "content", FILES)
    (project / "abonnes.csv").write_text(PEOPLE, encoding="utf-8")
    env = dict(database)
    done = invoke(project, "subscribers.import", "abonnes.csv", env=env)
    assert "2 abonnés ajoutés, 0 mis à jour, 1 ligne ignorée." in ok(done)
    assert "abonnes.csv:4\u00a0: adresse invalide" in done.stderr
    settings = load_settings(str(project / "pelicanconf.py"))
    engine = make_engine(database_url(settings, env))
    yield project, env, engine
    engine.dispose()


def test_list_tier_export_and_forget(author):
    project, env, engine = author
    listing = ok(invoke(project, "subscribers.list", env=env))
    assert "alice@exemple.fr — Alice — public" in listing and "2 abonnés." in listing
    assert "«\u202fcercle\u202f»" in ok(invoke(project, "subscribers.tier", "ALICE@exemple.fr", "cercle", env=env))
    refused = invoke(project, "subscribers.tier", "alice@exemple.fr", "vip", env=env)
    assert refused.returncode == 1 and "palier inconnu «\u202fvip\u202f»" in refused.stderr
    assert "1 abonné." in ok(invoke(project, "subscribers.list", "--tier", "cercle", env=env))
    ok(invoke(project, "subscribers.export", "sortie.csv", env=env))
    rows = list(csv.reader(io.StringIO((project / "sortie.csv").read_text(encoding="utf-8"))))
    assert rows == [["email", "name", "tier", "token"], ["alice@exemple.fr", "Alice", "cercle", "jeton-alice-0001"],
                    ["bruno@exemple.fr", "'=HYPERLINK(\"x\")", "abonnes", "jeton-bruno-0001"]]  # no formula
    store.record_answer(engine, "jeton-bruno-0001", 2, "oui")
    ok(invoke(project, "subscribers.export", "bruno.json", "--person", "bruno@exemple.fr", env=env))
    data = json.loads((project / "bruno.json").read_text(encoding="utf-8"))
    assert data["abonnement"]["email"] == "bruno@exemple.fr" and data["avis"][0]["issue"] == 2
    forgotten = ok(invoke(project, "subscribers.forget", "bruno@exemple.fr", env=env))
    assert "bruno@exemple.fr effacé\u00a0: abonnement supprimé, 0 demande, 1 avis, 0 vote." in forgotten
    assert store.person(engine, "bruno@exemple.fr") is None
    assert store.feedback_counts(engine) == []
    again = invoke(project, "subscribers.export", "x.json", "--person", "bruno@exemple.fr", env=env)
    assert again.returncode == 1 and "aucune donnée" in again.stderr


def test_ideas_review_and_export_make_the_page(author):
    project, env, engine = author
    first = store.propose(engine, "Les communautés locales", "Comment les \x1b[2Janimer ?", "Léa")
    second = store.propose(engine, "[bold]Le marketing[/bold] lent", "", "")
    import os
    import subprocess
    import sys

    review = subprocess.run([sys.executable, "-m", "invoke", "ideas.review"], cwd=project, input="p\np\n",
                            capture_output=True, encoding="utf-8", timeout=60,
                            env={**os.environ, "PYTHONUTF8": "1", **env})  # [p]asser, twice
    assert f"n°{first} — Les communautés locales — Léa" in ok(review)
    assert "␛[2J" in review.stdout and "[bold]Le marketing[/bold] lent" in review.stdout  # shown inert
    done = ok(invoke(project, "ideas.review", "--approve", str(first), "--reject", str(second), env=env))
    assert f"Approuvée\u00a0: n°{first}" in done and f"Rejetée\u00a0: n°{second}" in done
    assert store.vote_with_token(engine, first, "jeton-alice-0001") == "counted"
    exported = ok(invoke(project, "ideas.export", env=env))
    assert "1 idée approuvée, 1 vote" in exported and "Page créée" in exported
    ok(invoke(project, "build", env={**env, "NENUFAR_ENGAGEMENT_URL": "https://lettre.exemple.fr"}))
    page = (project / "output" / "vos-idees" / "index.html").read_text(encoding="utf-8")
    assert "Les communautés locales" in page and "1&nbsp;vote</p>" in page and "marketing</b> lent" not in page and "Le marketing[/bold]" not in page
    assert 'action="https://lettre.exemple.fr/idees/vote"' in page


def test_feedback_counts_per_issue(author):
    project, env, engine = author
    store.record_answer(engine, "jeton-alice-0001", 2, "oui")
    store.record_answer(engine, "jeton-bruno-0001", 2, "non")
    store.record_answer(engine, "jeton-bruno-0001", 1, "oui")
    assert ok(invoke(project, "feedback", env=env)).splitlines() == [
        "Numéro 1\u00a0: 1 oui, 0 non (1 avis).", "Numéro 2\u00a0: 1 oui, 1 non (2 avis)."]
    assert "Numéro 3\u00a0: 0 oui, 0 non (0 avis)." in ok(invoke(project, "feedback", "--issue", "3", env=env))


@pytest.fixture
def editions(author):
    from publishing.build import build

    project, env, _ = author
    settings = load_settings(str(project / "pelicanconf.py"), {"NEWSLETTER_EDITION": "latest"})
    return settings, list(build(settings).editions)


def test_send_honours_every_unsubscribe_whichever_the_list(author, editions):
    from engagement import plan_send
    from newsletter import SendError

    project, env, engine = author
    settings, rendered = editions
    store.unsubscribe(engine, "jeton-alice-0001")  # one click, a subscriber of the service
    store.unsubscribe(engine, "jeton-carla-0001")  # one click, a subscriber of the CSV file only
    (project / "private" / "unsubscribed.csv").write_text(  # by mail, `invoke unsubscribes`
        "email,token,date,source\nbruno@exemple.fr,,2026-11-20,boite#1\n", encoding="utf-8")
    listed = project / "liste.csv"
    listed.write_text("email,name,tier,token\nalice@exemple.fr,Alice,public,jeton-alice-0001\n"
                      "bruno@exemple.fr,Bruno,abonnes,jeton-bruno-0001\ncarla@exemple.fr,Carla,public,jeton-carla-0001\n"
                      "dan@exemple.fr,Dan,cercle,jeton-dan-00001\n", encoding="utf-8")
    from_file = plan_send(settings, rendered, listed, environ=env)
    assert [s.email for s in from_file.recipients] == ["dan@exemple.fr"]
    assert [s.email for s in from_file.unsubscribed] == ["alice@exemple.fr", "bruno@exemple.fr", "carla@exemple.fr"]
    with pytest.raises(SendError, match="aucun fichier d’abonnés"):
        plan_send(settings, rendered, None, environ={})  # neither a file nor the service
    from_service = plan_send(dict(settings, ENGAGEMENT_URL="https://lettre.exemple.fr"), rendered, None, environ=env)
    assert [s.email for s in from_service.subscribers] == ["bruno@exemple.fr"]  # Alice left through the service
    assert from_service.recipients == ()
    assert [s.email for s in from_service.unsubscribed] == ["bruno@exemple.fr"]  # by mail: still out


def test_serve_refuses_to_start_without_engagement_url_or_mail_server(project):
    done = invoke(project, "engagement.serve", env={"NENUFAR_ENGAGEMENT_URL": ""})
    assert done.returncode == 1
    assert "ENGAGEMENT_URL n’est pas réglé dans publishconf.py" in done.stderr
    without_mail = invoke(project, "engagement.serve", env={"NENUFAR_ENGAGEMENT_URL": "https://lettre.exemple.fr",
                                                            "NENUFAR_SMTP_HOST": ""})
    assert without_mail.returncode == 1 and "aucun serveur SMTP" in without_mail.stderr


@pytest.mark.parametrize("overrides, message", [
    ({"ENGAGEMENT_URL": "lettre.exemple.fr"}, "ENGAGEMENT_URL doit être une adresse absolue (https://…), pas "
                                              "'lettre.exemple.fr'"),
    ({"ENGAGEMENT_RATE_IP": "trente"}, "ENGAGEMENT_RATE_IP\u00a0: «\u202ftrente\u202f» illisible"),
    ({"ENGAGEMENT_MAX_BODY": 0}, "ENGAGEMENT_MAX_BODY doit être un nombre positif, pas 0"),
    ({"ENGAGEMENT_RATE": "1/second"}, "réglage inconnu «\u202fENGAGEMENT_RATE\u202f»"),
])
def test_wrong_engagement_settings_stop_the_command(tmp_path, overrides, message):
    from conftest import site_settings
    from publishing.build import BuildError

    (tmp_path / "content").mkdir()
    with pytest.raises(BuildError) as failure:
        site_settings(tmp_path, tmp_path / "content", **overrides)
    assert message in str(failure.value)

"""End to end, on loopback, with real components: the built site served
statically, the service started by `invoke engagement.serve`, aiosmtpd
receiving the mail, headless Chromium acting as the reader, and the author's
commands run as the author runs them."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from conftest import free_port, serve_folder, write_content
from engagement_support import body, database, link, mailbox, postgres  # noqa: F401 (fixtures)
from test_cli import invoke
from test_engagement_build import FILES
from test_newsletter_editions import ABONNES_WORD, PUBLIC_WORD

READER, OTHER = "lea@exemple.fr", "bruno@exemple.fr"
HUMAN = 2100  # ms: the service refuses its forms sent back sooner (ENGAGEMENT_MIN_FILL_SECONDS = 2)


def see(page, words: str) -> None:
    """Wait for `words` on the page; else fail with what the page says."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_selector(f"text={words}", timeout=15_000)
    except Timeout:
        raise AssertionError(f"{words!r} not on {page.url}:\n{page.inner_text('body')}") from None


def ok(done):
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def running(project, mailbox, database):
    """The site built with ENGAGEMENT_URL and served, the editions of issue 2 rendered, the service started."""
    site_port, service_port = free_port(), free_port()
    env = {"NENUFAR_SITEURL": f"http://127.0.0.1:{site_port}",
           "NENUFAR_ENGAGEMENT_URL": f"http://127.0.0.1:{service_port}",
           "NENUFAR_SMTP_HOST": "127.0.0.1", "NENUFAR_SMTP_PORT": str(mailbox.port), "NENUFAR_SMTP_TLS": "none",
           "NENUFAR_KEY_ABONNES": "", "NENUFAR_KEY_CERCLE": "", **database}
    write_content(project / "content", FILES)
    ok(invoke(project, "build", "--conf", "publishconf.py", env=env))
    site = serve_folder(project / "output", site_port)
    ok(invoke(project, "newsletter", "--issue", "2", env=env))
    import os

    server = subprocess.Popen([sys.executable, "-m", "invoke", "engagement.serve", "--port", str(service_port),
                               "--workers", "2"], cwd=project, env={**os.environ, "PYTHONUTF8": "1", **env},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{service_port}/sante", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise AssertionError("the service did not start: " + server.stdout.read().decode(errors="replace"))
        time.sleep(0.1)
    def stop() -> str:
        """Stop the service (Ctrl+C, as the author would); what it printed."""
        import signal

        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        return server.stdout.read().decode("utf-8", "replace")

    yield project, env, f"http://127.0.0.1:{site_port}", stop
    stop()
    site.shutdown()


def test_a_reader_subscribes_receives_answers_comments_reports_and_leaves_in_one_click(running, mailbox, browser):
    project, env, site, stop = running
    page = browser.new_page()
    try:
        # Subscribe on the built site, confirm from the email.
        page.goto(f"{site}/s-abonner/")
        page.fill("#abonnement-page-courriel", READER)
        page.fill("#abonnement-page-nom", "Léa Kervella")
        page.click("#abonnement-page button[type=submit]")
        see(page, "Vérifiez votre boîte aux lettres")
        page.goto(link(mailbox.wait_for(READER), "/confirmer?jeton="))
        page.wait_for_timeout(HUMAN)
        page.click("#confirmer button")
        see(page, "Abonnement confirmé")
        welcome = mailbox.wait_for(READER, 2)
        assert "Bienvenue" in welcome["Subject"]
        assert "Voici le dernier numéro, le n°\u00a02" in body(welcome) and ABONNES_WORD in body(welcome)

        # Another reader, from the author's old CSV file.
        (project / "anciens.csv").write_text(f"email,name,tier,token\n{OTHER},Bruno,public,jeton-bruno-1234\n",
                                             encoding="utf-8")
        assert "1 abonné ajouté" in ok(invoke(project, "subscribers.import", "anciens.csv", env=env))

        # `invoke send` reads the service's subscribers.
        sent = ok(invoke(project, "send", "--issue", "2", env=env))
        assert "2 envoyés," in sent
        edition = mailbox.wait_for(READER, 3)
        assert ABONNES_WORD in body(edition)
        assert PUBLIC_WORD in body(mailbox.wait_for(OTHER))
        header = str(edition["List-Unsubscribe"])
        one_click = re.search(r"<(http://127\.0\.0\.1:\d+/desabonnement\?jeton=[A-Za-z0-9_-]+)>", header).group(1)
        assert header.startswith("<mailto:") and edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # « Avez-vous aimé ce numéro ? » Oui, twice: counted once.
        yes = re.search(r"http://\S+/avis\?numero=2&reponse=oui&jeton=[A-Za-z0-9_-]+", body(edition)).group(0)
        for expected in ("Votre avis est compté", "une seule fois"):
            page.goto(yes)
            page.wait_for_timeout(HUMAN)
            page.click("#confirmer-avis button")
            see(page, f"{expected}")
        assert "Numéro 2\u00a0: 1 oui, 0 non (1 avis)." in ok(invoke(project, "feedback", "--issue", "2", env=env))

        # A comment, through the moderation queue, to the page.
        page.goto(f"{site}/parler-avec/")
        page.fill("#commentaire-nom", "Léa")
        page.fill("#commentaire-texte", "Une conversation, oui\u202f: et qui la lance\u202f?")
        page.click("#formulaire-commentaire button[type=submit]")
        see(page, "votre commentaire sera publié après validation")
        approved = ok(invoke(project, "comments.review", "--approve", "1", env=env))
        assert "Approuvé\u00a0: n°1 → content/conversations/parler-avec/lea-1.md" in approved
        ok(invoke(project, "build", "--conf", "publishconf.py", env=env))
        page.goto(f"{site}/parler-avec/")
        published = page.locator("#commentaire-lea-1, li.comment:has-text('et qui la lance')").first
        assert "et qui la lance" in published.inner_text()

        # « Signaler »: the report comes first in the review, with the comment.
        published.locator("form.report-form button").click()
        see(page, "Signalement transmis")
        review = ok(invoke(project, "comments.review", env=env))
        assert review.index("Signalé (1 fois) — parler-avec — commentaire lea-1") < review.index("et qui la lance")
        assert "Aucun commentaire en attente" in review
        assert "Signalé" not in ok(invoke(project, "comments.review", env=env))  # shown once, then seen

        # One click from the edition's header, as a mail provider posts it: the next send skips her.
        answer = httpx.post(one_click, content=b"List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 200
        ok(invoke(project, "newsletter", "--issue", "1", env=env))
        again = ok(invoke(project, "send", "--issue", "1", env=env))
        assert "1 envoyé," in again
        mailbox.wait_for(OTHER, 2)
        assert len(mailbox.to(READER)) == 3
        printed = stop()  # no personal data in what the service printed
        assert "Service de la lettre sur http://127.0.0.1:" in printed
        assert "lea" not in printed.lower() and one_click.rpartition("=")[2] not in printed
    finally:
        page.close()

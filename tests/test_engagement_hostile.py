"""Hostile input against the running service: every refusal is a French page,
and nothing is written, sent or counted."""

from __future__ import annotations

import secrets

import pytest

from discussion import Queue, queue_file
from engagement import store
from engagement_support import database, mailbox, postgres, service, start_service  # noqa: F401 (fixtures)
from test_engagement_service import READER, form_of, subscribe, text

FORMS = {  # every form the static site posts, with valid values
    "/abonnement": {"courriel": "ok@exemple.fr", "nom": "Ok", "site_web": ""},
    "/commentaire": {"article": "avenir-communautes", "nom": "Ok", "site": "https://ok.exemple.fr",
                     "courriel": "ok@exemple.fr", "texte": "Bien.", "site_web": ""},
    "/signaler": {"article": "avenir-communautes", "commentaire": "ok-1", "motif": "Bof", "site_web": ""},
    "/idees": {"titre": "Un sujet", "texte": "Des précisions", "nom": "Ok", "site_web": ""},
}
BAD = ["\r\nBcc: victime@exemple.fr", "\x00", "\x1b[2J", "\u2028", "\x85", "\x7f"]


@pytest.fixture
def lenient(tmp_path, database, mailbox):
    """The service with a per-IP limit out of the way, for tests that post a lot."""
    running = start_service(tmp_path, database, mailbox.port, ENGAGEMENT_RATE_IP="100000/minute")
    yield running
    running.stop()


def nothing_written(service, mailbox):
    assert store.all_subscribers(service.engine) == []
    assert store.list_ideas(service.engine, "pending") == []
    queue = Queue(queue_file(service.settings))
    try:
        assert queue.pending() == [] and queue.open_reports() == []
    finally:
        queue.close()
    assert mailbox.messages == []


def test_control_characters_in_every_field_are_refused(lenient, mailbox):
    service = lenient
    with service.client() as client:
        for path, fields in FORMS.items():
            for name in fields:
                if name == "site_web":
                    continue
                for bad in BAD:
                    if name in ("texte", "motif") and bad == "\r\nBcc: victime@exemple.fr":
                        continue  # texts may have paragraphs
                    answer = client.post(path, data=dict(fields, **{name: fields[name] + bad}))
                    assert answer.status_code in (400, 404), (path, name, repr(bad))
                    assert "<html lang=\"fr\">" in answer.text and "Demande refusée" in answer.text
    nothing_written(service, mailbox)


def test_oversized_bodies_are_refused_before_being_read(lenient, mailbox):
    service = lenient
    big = "x" * 40_000
    with service.client() as client:
        for path, fields in FORMS.items():
            answer = client.post(path, data=dict(fields, nom=big))
            assert answer.status_code == 413 and "trop volumineux" in answer.text
        chunked = client.post("/abonnement", content=iter([b"courriel=a%40exemple.fr&nom=" + b"x" * 20_000] * 3),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert chunked.status_code == 413
    nothing_written(service, mailbox)


def test_posts_from_another_site_or_without_origin_are_refused(lenient, mailbox):
    service = lenient
    for origin in ("https://malveillant.exemple", None):
        with service.client(origin) as client:
            for path, fields in FORMS.items():
                answer = client.post(path, data=fields)
                assert answer.status_code == 403 and "ne vient pas du site" in unescape_text(answer.text)
    nothing_written(service, mailbox)


def unescape_text(page: str) -> str:
    return text(page)


def test_the_confirm_forms_need_their_own_token(service, mailbox):
    token = subscribe(service, mailbox)
    with service.client("service") as client:
        for path, fields in [("/desabonnement", {"jeton": token}),
                             ("/avis", {"jeton": token, "numero": "1", "reponse": "oui"}),
                             ("/desabonnement", {"jeton": token, "formulaire": "1700000000.deadbeef"})]:
            answer = client.post(path, data=fields)
            assert answer.status_code == 403 and "jeton de formulaire" in text(answer.text)
    assert len(store.active_subscribers(service.engine)) == 1
    assert store.feedback_counts(service.engine) == []


def test_forged_tokens_open_nothing(service, mailbox):
    token = subscribe(service, mailbox)
    forged = secrets.token_urlsafe(24)
    with service.client(None) as client:
        assert client.get(f"/confirmer?jeton={forged}").status_code == 410
        assert client.get("/confirmer?jeton=../../etc").status_code == 404
        assert client.get(f"/avis?numero=1&reponse=oui&jeton={token[:-1]}").status_code == 200  # a question only
    with service.client(None) as client:
        action, fields = form_of(client.get(f"/avis?numero=1&reponse=oui&jeton={forged}").text, "confirmer-avis")
    with service.client("service") as client:
        answer = client.post(action, data=fields)
    assert answer.status_code == 404 and "pas valide" in text(answer.text)
    with service.client(None) as provider:
        provider.post(f"/desabonnement?jeton={forged}", content=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        provider.post(f"/desabonnement?jeton={token[:-1]}x", content=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert [s.email for s in store.active_subscribers(service.engine)] == [READER]
    assert store.feedback_counts(service.engine) == []


def test_a_thousand_rapid_subscriptions_from_one_address(service, mailbox):
    with service.client() as client:
        codes = [client.post("/abonnement", data={"courriel": "robot@exemple.fr", "nom": "", "site_web": ""}).status_code
                 for _ in range(1000)]
    assert codes[:30] == [200] * 30  # ENGAGEMENT_RATE_IP: 30 a minute
    assert set(codes[30:]) == {429}
    mailbox.wait_for("robot@exemple.fr", 3)  # the messages leave after the responses
    assert len(mailbox.to("robot@exemple.fr")) == 3  # ENGAGEMENT_RATE_ADDRESS: 3 an hour


def test_the_honeypot_and_the_minimum_fill_time(tmp_path, database, mailbox):
    running = start_service(tmp_path, database, mailbox.port, ENGAGEMENT_MIN_FILL_SECONDS=60)
    try:
        with running.client() as client:
            robot = client.post("/abonnement", data={"courriel": "ok@exemple.fr", "site_web": "http://spam"})
            assert robot.status_code == 400 and "robot" in text(robot.text)
            page = client.get("/abonnement")
        action, fields = form_of(page.text)
        with running.client("service") as client:
            hasty = client.post(action, data=dict(fields, courriel="ok@exemple.fr", site_web=""))
        assert hasty.status_code == 429 and "trop vite" in text(hasty.text)
        assert mailbox.messages == []
    finally:
        running.stop()


def test_pages_keep_tokens_out_of_referers_caches_and_frames(service):
    with service.client(None) as client:
        page = client.get(f"/desabonnement?jeton={secrets.token_urlsafe(24)}")
        missing = client.get("/admin")
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert missing.status_code == 404 and "Page introuvable" in missing.text

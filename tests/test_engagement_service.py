"""The engagement service under uvicorn, with aiosmtpd receiving its mail, on
SQLite and on PostgreSQL: what a reader does, and what the author then sees."""

from __future__ import annotations

import re
from html import unescape

from bs4 import BeautifulSoup

from discussion import Queue, queue_file
from engagement import store
from engagement_support import body, database, link, mailbox, postgres, service  # noqa: F401 (fixtures)

READER = "lea@exemple.fr"


def form_of(page: str, form_id: str | None = None) -> tuple[str, dict]:
    soup = BeautifulSoup(page, "lxml")
    form = soup.find("form", id=form_id) if form_id else soup.find("form")
    assert form is not None, page
    return form["action"], {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("type") == "hidden"}


def text(page: str) -> str:
    return " ".join(BeautifulSoup(page, "lxml").get_text(" ").split())


def subscribe(service, mailbox, address=READER, name="Léa") -> str:
    """Subscribe and confirm as a reader would; returns the subscriber's token."""
    with service.client() as client:
        answer = client.post("/abonnement", data={"courriel": address, "nom": name, "site_web": ""})
        assert answer.status_code == 200
        confirmation = mailbox.wait_for(address)
        page = client.get(link(confirmation, "/confirmer?jeton="))
        action, fields = form_of(page.text, "confirmer")
    with service.client("service") as client:
        done = client.post(action, data=fields)
    assert done.status_code == 200, done.text
    welcome = mailbox.wait_for(address, 2)
    return re.search(r"desabonnement\?jeton=([A-Za-z0-9_-]+)", body(welcome)).group(1)


def test_double_opt_in_subscribes_only_after_the_confirm_button(service, mailbox):
    with service.client() as client:
        answer = client.post("/abonnement", data={"courriel": READER, "nom": "Léa Kervella", "site_web": ""})
    assert answer.status_code == 200
    assert "Vérifiez votre boîte aux lettres" in text(answer.text)
    confirmation = mailbox.wait_for(READER)
    assert "Confirmez votre abonnement" in confirmation["Subject"]
    url = link(confirmation, "/confirmer?jeton=")
    with service.client(None) as scanner:  # a mail scanner opens every link: nothing changes
        for _ in range(3):
            assert scanner.get(url).status_code == 200
    assert store.active_subscribers(service.engine) == []
    with service.client() as client:
        action, fields = form_of(client.get(url).text, "confirmer")
    with service.client("service") as client:
        done = client.post(action, data=fields)
    assert done.status_code == 200 and "Abonnement confirmé" in text(done.text)
    [subscriber] = store.active_subscribers(service.engine)
    assert (subscriber.email, subscriber.name, subscriber.tier) == (READER, "Léa Kervella", "abonnes")
    assert len(subscriber.token) >= 22  # at least 128 random bits
    welcome = mailbox.wait_for(READER, 2)
    assert "Bienvenue" in welcome["Subject"]
    assert f"desabonnement?jeton={subscriber.token}" in body(welcome)
    with service.client("service") as client:  # the link has served: a second click activates nothing new
        again = client.post(action, data=fields)
    assert again.status_code == 410 and "Lien expiré" in text(again.text)
    assert len(mailbox.to(READER)) == 2


def test_the_answer_never_says_whether_an_address_was_subscribed(service, mailbox):
    subscribe(service, mailbox)
    with service.client() as client:
        known = client.post("/abonnement", data={"courriel": READER, "nom": "", "site_web": ""})
        unknown = client.post("/abonnement", data={"courriel": "nouveau@exemple.fr", "nom": "", "site_web": ""})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text


def test_the_welcome_message_carries_the_tier_key_when_it_is_configured(tmp_path, database, mailbox):
    from engagement_support import start_service

    environ = dict(database, NENUFAR_KEY_ABONNES="une phrase secrète des abonnés")
    running = start_service(tmp_path, environ, mailbox.port)
    try:
        subscribe(running, mailbox)
        welcome = mailbox.wait_for(READER, 2)
        assert "#cle=une%20phrase%20secr%C3%A8te%20des%20abonn%C3%A9s" in body(welcome)
    finally:
        running.stop()


def test_one_click_unsubscribe_and_the_confirm_page(service, mailbox):
    token = subscribe(service, mailbox)
    other = subscribe(service, mailbox, "marc@exemple.fr", "Marc")
    with service.client(None) as provider:  # RFC 8058: the mail provider posts, with no Origin
        one_click = provider.post(f"/desabonnement?jeton={token}", content=b"List-Unsubscribe=One-Click",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200
    assert [s.email for s in store.active_subscribers(service.engine)] == ["marc@exemple.fr"]
    with service.client(None) as scanner:
        page = scanner.get(f"/desabonnement?jeton={other}")
    assert page.status_code == 200 and "Confirmer le désabonnement" in page.text
    assert len(store.active_subscribers(service.engine)) == 1  # a GET changes nothing
    action, fields = form_of(page.text, "desabonner")
    with service.client("service") as client:
        done = client.post(action, data=fields)
    assert done.status_code == 200 and "Vous êtes désabonné" in text(done.text)
    assert store.active_subscribers(service.engine) == []
    addresses, tokens = store.stopped(service.engine)
    assert addresses == {READER, "marc@exemple.fr"} and {token, other} <= tokens


def test_one_click_also_comes_as_multipart_and_a_bare_post_changes_nothing(service, mailbox):
    token = subscribe(service, mailbox)
    with service.client(None) as provider:
        bare = provider.post(f"/desabonnement?jeton={token}", content=b"",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert bare.status_code == 403  # neither the RFC 8058 body nor the page's form
        assert len(store.active_subscribers(service.engine)) == 1
        multipart = provider.post(f"/desabonnement?jeton={token}", files={"List-Unsubscribe": (None, "One-Click")})
    assert multipart.status_code == 200
    assert store.active_subscribers(service.engine) == []


def test_feedback_counts_one_answer_per_subscriber_and_issue(service, mailbox):
    token = subscribe(service, mailbox)
    url = f"/avis?numero=3&reponse=oui&jeton={token}"
    with service.client(None) as scanner:
        page = scanner.get(url)
    assert page.status_code == 200
    assert store.feedback_counts(service.engine) == []  # the GET is a question, not an answer
    action, fields = form_of(page.text, "confirmer-avis")
    with service.client("service") as client:
        first = client.post(action, data=fields)
        second = client.post(action, data=fields)
    assert first.status_code == second.status_code == 200
    assert "Votre avis est compté" in text(first.text) and "une seule fois" in text(second.text)
    assert store.feedback_counts(service.engine, 3) == [store.IssueCount(3, 1, 0)]
    with service.client(None) as scanner:
        action, fields = form_of(scanner.get(f"/avis?numero=3&reponse=non&jeton={token}").text, "confirmer-avis")
    with service.client("service") as client:
        assert "changé" in text(client.post(action, data=fields).text)
    assert store.feedback_counts(service.engine, 3) == [store.IssueCount(3, 0, 1)]


def test_a_comment_goes_to_the_moderation_queue_and_a_report_is_recorded(service):
    with service.client() as client:
        answer = client.post("/commentaire", data={
            "article": "avenir-communautes", "nom": "Yann", "site": "https://yann.exemple.fr",
            "courriel": "yann@exemple.fr", "texte": "Merci pour cet article.\n\nUne question : et les petites "
                                                   "marques ?", "site_web": ""})
        assert answer.status_code == 200
        assert "Merci\u00a0: votre commentaire sera publié après validation." in unescape(answer.text)
        report = client.post("/signaler", data={"article": "avenir-communautes", "commentaire": "yann-1",
                                                "motif": "hors sujet", "site_web": ""})
        assert report.status_code == 200
    queue = Queue(queue_file(service.settings))
    try:
        [row] = queue.pending()
        assert (row["article"], row["author"], row["email"], row["website"]) == (
            "avenir-communautes", "Yann", "yann@exemple.fr", "https://yann.exemple.fr")
        assert row["body"].startswith("Merci pour cet article.\n\nUne question")
        [reported] = queue.open_reports()
        assert (reported["article"], reported["comment"], reported["count"], reported["reasons"]) == (
            "avenir-communautes", "yann-1", 1, "hors sujet")
    finally:
        queue.close()


def test_ideas_are_proposed_approved_and_voted_once_per_person(service, mailbox):
    token = subscribe(service, mailbox)
    with service.client() as client:
        assert client.post("/idees", data={"titre": "Les communautés locales", "texte": "Comment les animer ?",
                                           "nom": "Léa", "site_web": ""}).status_code == 200
    [idea] = store.list_ideas(service.engine, "pending")
    assert store.decide_idea(service.engine, idea.id, "approved")
    with service.client() as client:
        by_token = client.post("/idees/vote", data={"idee": str(idea.id), "jeton": token, "site_web": ""})
        again = client.post("/idees/vote", data={"idee": str(idea.id), "jeton": token, "site_web": ""})
        assert by_token.status_code == again.status_code == 200
        assert "Votre vote est compté" in text(by_token.text) and "déjà voté" in text(again.text)
        asked = client.post("/idees/vote", data={"idee": str(idea.id), "courriel": "paul@exemple.fr",
                                                 "site_web": ""})
        assert asked.status_code == 200
    page_url = link(mailbox.wait_for("paul@exemple.fr"), "/idees/confirmer?jeton=")
    with service.client(None) as scanner:
        action, fields = form_of(scanner.get(page_url).text, "confirmer-vote")
    assert store.list_ideas(service.engine, "approved")[0].votes == 1
    with service.client("service") as client:
        assert client.post(action, data=fields).status_code == 200
    # The subscriber votes again through her address: still one person, one vote.
    with service.client() as client:
        client.post("/idees/vote", data={"idee": str(idea.id), "courriel": READER, "site_web": ""})
    with service.client(None) as scanner:
        action, fields = form_of(scanner.get(link(mailbox.wait_for(READER, 3), "/idees/confirmer?jeton=")).text,
                                 "confirmer-vote")
    with service.client("service") as client:
        assert "déjà voté" in text(client.post(action, data=fields).text)
    assert store.list_ideas(service.engine, "approved")[0].votes == 2


def test_a_subscriber_votes_from_the_letters_link(service, mailbox):
    token = subscribe(service, mailbox)
    first = store.propose(service.engine, "Les rencontres", "", "")
    second = store.propose(service.engine, "Les petites marques", "", "")
    store.decide_idea(service.engine, first, "approved")
    store.decide_idea(service.engine, second, "approved")
    with service.client(None) as reader:
        page = reader.get(f"/idees?jeton={token}")
    assert page.status_code == 200 and "Les petites marques" in page.text
    action, fields = form_of(page.text, f"voter-{second}")
    with service.client("service") as client:
        assert "Votre vote est compté" in text(client.post(action, data=fields).text)
        assert "déjà voté" in text(client.post(action, data=fields).text)
        forged = client.post(action, data=dict(fields, formulaire="1.abc"))
        assert forged.status_code == 403
    assert {i.title: i.votes for i in store.list_ideas(service.engine, "approved")} == {
        "Les rencontres": 0, "Les petites marques": 1}


def test_an_unconfirmed_request_expires(service):
    pending = store.request_subscription(service.engine, "tard@exemple.fr", "", hours=-1)
    with service.client(None) as client:
        page = client.get(f"/confirmer?jeton={pending.secret}")
    assert page.status_code == 410 and "Lien expiré" in text(page.text)
    assert store.confirm_subscription(service.engine, pending.secret, "abonnes") is None

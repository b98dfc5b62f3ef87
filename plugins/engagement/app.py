"""The engagement service: a Starlette application, one per worker.

`create_app(settings)` is what the tests run under uvicorn; `from_environment()`
is the factory `invoke engagement.serve` gives uvicorn (it reads the settings
file named by NENUFAR_SETTINGS). Blocking work (the database, SMTP) runs in the
thread pool; messages leave after the response (a failed send is not retried:
the reader asks again). Nothing personal is logged: run uvicorn without its
access log, since links carry tokens.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from html import escape
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from discussion import Articles, IntakeError, Queue, Submission, queue_file

from . import db, forms, mail, pages, store
from .config import origin
from .forms import Refused

log = logging.getLogger(__name__)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,120}")
_ONE_CLICK = re.compile(rb'name="List-Unsubscribe"\r?\n\r?\nOne-Click')


@dataclass
class Service:
    settings: dict
    engine: object
    signer: forms.Signer
    allowed: set[str]
    own: str  # the service's own origin
    environ: dict = field(default_factory=lambda: dict(os.environ))
    outbox: mail.Outbox | None = None
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))
    _articles: Articles | None = None
    _articles_read: float = 0.0

    def url(self, path: str) -> str:
        return (self.settings["ENGAGEMENT_URL"] or "").rstrip("/") + path

    # Reading and checking a post ------------------------------------------------

    async def body(self, request: Request) -> bytes:
        cap = self.settings["ENGAGEMENT_MAX_BODY"]
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            raise Refused(f"Envoi trop volumineux ({cap} octets au plus).", 413)
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > cap:
                raise Refused(f"Envoi trop volumineux ({cap} octets au plus).", 413)
        return bytes(received)

    async def form(self, request: Request, purpose: str, subject_field: str | None = None) -> dict[str, str]:
        """The fields of a reader's post: from an allowed origin; a form this
        service rendered must carry its signed token (CSRF, minimum fill time):
        always for the forms bound to a link's secret (`subject_field`), and for
        any form posted from the service's own pages when they have their own origin."""
        fields = forms.parse_body(await self.body(request), request.headers.get("content-type", ""))
        forms.check_origin(request.headers, self.allowed)
        sent_from = (request.headers.get("origin") or origin(request.headers.get("referer")) or "").lower()
        own_pages = sent_from == self.own and self.own != origin(self.settings.get("SITEURL"))
        if subject_field or "formulaire" in fields or own_pages:
            subject = fields.get(subject_field, "") if subject_field else ""
            self.signer.check(fields.get("formulaire", ""), purpose, subject)
        forms.honeypot(fields)
        return fields

    def limit_ip(self, request: Request) -> None:
        client = request.client.host if request.client else "?"
        if not self.limiter.hit(parse(self.settings["ENGAGEMENT_RATE_IP"]), "ip", client):
            raise Refused("Trop d’envois depuis cette adresse en peu de temps\u00a0: réessayez dans quelques "
                          "minutes.", 429)

    def may_mail(self, email: str) -> bool:
        return self.limiter.hit(parse(self.settings["ENGAGEMENT_RATE_ADDRESS"]), "address", db.digest(email))

    def articles(self) -> Articles:
        if self._articles is None or time.monotonic() - self._articles_read > 60:
            from publishing import sources

            self._articles = Articles.from_index(sources.article_index(self.settings))
            self._articles_read = time.monotonic()
        return self._articles

    # Output ---------------------------------------------------------------------

    def html(self, title: str, body: str, status: int = 200, background=None) -> HTMLResponse:
        return HTMLResponse(pages.page(self.settings, title, body), status, headers=pages.HEADERS,
                            background=background)

    def send_later(self, message) -> BackgroundTask:
        """Handed to the outbox once the response has left."""
        return BackgroundTask(self.outbox.post, message)


def _site(service: Service, path: str) -> str:
    return (service.settings.get("SITEURL") or "").rstrip("/") + "/" + path.lstrip("/")


# Subscriptions -------------------------------------------------------------------

async def subscribe_page(request: Request) -> Response:
    s: Service = request.app.state.service
    return s.html("S’abonner à la lettre", pages.paragraph("Deux fois par mois, le meilleur d’abord. Vous "
                  "recevrez un courriel pour confirmer\u00a0: rien ne part sans votre accord.")
                  + pages.subscribe_form(s.url("/abonnement"), s.signer.issue("abonnement")))


async def subscribe(request: Request) -> Response:
    s: Service = request.app.state.service
    s.limit_ip(request)
    fields = await s.form(request, "abonnement")
    email = forms.address(fields)
    name = forms.text(fields, "nom", "Nom", 200, required=False)
    task = None
    if s.may_mail(email):  # past the limit, the answer is the same and no message leaves
        pending = await run_in_threadpool(store.request_subscription, s.engine, email, name,
                                          s.settings["ENGAGEMENT_CONFIRM_HOURS"])
        link = s.url(f"/confirmer?jeton={pending.secret}")
        task = s.send_later(mail.confirmation(s.settings, email, link))
    # Never says whether the address was known: the same page, always.
    return s.html("Vérifiez votre boîte aux lettres", pages.paragraph(
        "Si cette adresse peut recevoir la lettre, un courriel vient d’y partir avec un lien de confirmation. "
        "Rien ne se passe tant que vous ne l’avez pas ouvert et confirmé.")
        + pages.paragraph("Pas de courriel d’ici quelques minutes\u00a0? Regardez dans les indésirables."),
        background=task)


async def confirm_page(request: Request) -> Response:
    s: Service = request.app.state.service
    secret = forms.token(request.query_params.get("jeton", ""))
    if not await run_in_threadpool(store.request_is_open, s.engine, secret):
        return _expired(s)
    return s.html("Confirmer votre abonnement", pages.paragraph(
        "Un dernier geste\u00a0: confirmez, et la lettre vous arrivera à chaque parution.")
        + pages.button_form(s.url("/confirmer"), {"jeton": secret, "formulaire": s.signer.issue("confirmer", secret)},
                            "Confirmer mon abonnement", "confirmer"))


def _expired(s: Service) -> Response:
    return s.html("Lien expiré", pages.paragraph("Ce lien a expiré ou a déjà servi. Si vous n’êtes pas encore "
                  "abonné, recommencez depuis la page «\u202fS’abonner\u202f» du site."), 410)


async def confirm(request: Request) -> Response:
    s: Service = request.app.state.service
    fields = await s.form(request, "confirmer", "jeton")
    secret = forms.token(fields.get("jeton", ""))
    done = await run_in_threadpool(store.confirm_subscription, s.engine, secret, s.settings["SUBSCRIBE_TIER"])
    if done is None:
        return _expired(s)
    task = None
    if done.new:
        subscriber = done.subscriber
        key = _tier_key(s.settings, subscriber.tier, s.environ)
        task = s.send_later(mail.welcome(s.settings, subscriber.email, subscriber.tier, subscriber.token, key))
    return s.html("Abonnement confirmé", pages.paragraph(
        "C’est fait, merci\u202f! Un message de bienvenue vous attend, avec le dernier numéro.")
        + f"<p><a href=\"{_site(s, s.settings['NEWSLETTER_INDEX_URL'])}\">Les numéros précédents</a></p>",
        background=task)


def _tier_key(settings: dict, tier: str, environ) -> str | None:
    if "tiers" not in settings["PLUGINS"]:
        return None
    from tiers import KeyError_, LadderError, keys_from_env, load_ladder

    try:
        return keys_from_env(load_ladder(settings), environ).get(tier)
    except (KeyError_, LadderError):
        return None


# Unsubscribe ------------------------------------------------------------------------

async def unsubscribe_page(request: Request) -> Response:
    s: Service = request.app.state.service
    token = forms.token(request.query_params.get("jeton", ""))
    return s.html("Se désabonner de la lettre", pages.paragraph(
        "Rien n’a encore changé\u00a0: les messageries ouvrent parfois les liens d’elles-mêmes, alors nous attendons "
        "votre confirmation. Vous pourrez vous réabonner quand vous voudrez.")
        + pages.button_form(s.url("/desabonnement"),
                            {"jeton": token, "formulaire": s.signer.issue("desabonnement", token)},
                            "Confirmer le désabonnement", "desabonner"))


async def unsubscribe(request: Request) -> Response:
    s: Service = request.app.state.service
    query_token = request.query_params.get("jeton")
    body = await s.body(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    one_click = (kind == "application/x-www-form-urlencoded" and body.strip() == b"List-Unsubscribe=One-Click") or (
        kind == "multipart/form-data" and _ONE_CLICK.search(body) is not None)
    if query_token is not None and one_click:  # RFC 8058: the mail provider posts, no page, no origin
        await run_in_threadpool(store.unsubscribe, s.engine, forms.token(query_token))
        return PlainTextResponse("Désabonnement enregistré.\n", headers=pages.HEADERS)
    fields = forms.parse_body(body, request.headers.get("content-type", ""))
    forms.check_origin(request.headers, s.allowed)
    token = forms.token(fields.get("jeton", ""))
    s.signer.check(fields.get("formulaire", ""), "desabonnement", token)
    await run_in_threadpool(store.unsubscribe, s.engine, token)
    return s.html("Vous êtes désabonné", pages.paragraph(
        "C’est noté\u00a0: vous ne recevrez plus la lettre. Merci de l’avoir lue jusqu’ici.")
        + f"<p><a href=\"{_site(s, s.settings['NEWSLETTER_SUBSCRIBE_URL'])}\">Se réabonner</a></p>")


# Feedback ------------------------------------------------------------------------------

def _answer(value: str) -> str:
    if value not in ("oui", "non"):
        raise Refused("Réponse inconnue\u00a0: «\u202foui\u202f» ou «\u202fnon\u202f» seulement.", 404)
    return value


def _number(value: str, digits: int, unknown: str) -> int:
    """A positive number of at most `digits` digits from a form or an address; else 404."""
    if not value.isdigit() or len(value) > digits:
        raise Refused(unknown, 404)
    return int(value)


def _issue(value: str) -> int:
    return _number(value, 6, "Numéro de la lettre inconnu.")


async def feedback_page(request: Request) -> Response:
    s: Service = request.app.state.service
    q = request.query_params
    issue, answer, token = _issue(q.get("numero", "")), _answer(q.get("reponse", "")), forms.token(q.get("jeton", ""))
    words = "Oui, ce numéro m’a plu" if answer == "oui" else "Non, pas vraiment"
    subject = f"{token}:{issue}:{answer}"
    return s.html("Votre avis sur ce numéro", pages.paragraph(
        f"Vous répondez «\u202f{words}\u202f» pour le numéro {issue}. Rien n’est compté tant que vous n’avez pas "
        "confirmé\u00a0: les messageries ouvrent parfois les liens d’elles-mêmes.")
        + pages.button_form(s.url("/avis"), {"jeton": token, "numero": issue, "reponse": answer,
                                             "formulaire": s.signer.issue("avis", subject)},
                            "Confirmer mon avis", "confirmer-avis"))


async def feedback(request: Request) -> Response:
    s: Service = request.app.state.service
    fields = forms.parse_body(await s.body(request), request.headers.get("content-type", ""))
    forms.check_origin(request.headers, s.allowed)
    token, issue, answer = forms.token(fields.get("jeton", "")), _issue(fields.get("numero", "")), \
        _answer(fields.get("reponse", ""))
    s.signer.check(fields.get("formulaire", ""), "avis", f"{token}:{issue}:{answer}")
    outcome = await run_in_threadpool(store.record_answer, s.engine, token, issue, answer)
    if outcome == "unknown":
        raise Refused("Ce lien n’est pas valide. Utilisez le lien reçu par courriel, sans le modifier.", 404)
    said = {"recorded": "Votre avis est compté. Merci\u202f!", "changed": "Votre avis est changé. Merci\u202f!",
            "same": "Votre avis était déjà compté, il l’est toujours une seule fois."}[outcome]
    return s.html("Merci pour votre avis", pages.paragraph(said) + pages.paragraph(
        "Un mot de plus\u00a0? Répondez simplement à la lettre\u00a0: c’est l’autrice qui lit les réponses."))


# Comments and reports ------------------------------------------------------------------

def _website(value: str) -> str:
    if value and urlsplit(value).scheme not in ("http", "https"):
        raise Refused("Site\u00a0: une adresse en http:// ou https:// seulement.")
    return value


def _article(value: str) -> str:
    slug = value.strip(" /")
    if not _SLUG.fullmatch(slug):
        raise Refused("Article inconnu.", 404)
    return slug


async def comment(request: Request) -> Response:
    s: Service = request.app.state.service
    s.limit_ip(request)
    fields = await s.form(request, "commentaire")
    address = _article(fields.get("article", ""))
    name = forms.text(fields, "nom", "Nom", 100)
    website = _website(forms.text(fields, "site", "Site", 300, required=False))
    email = forms.address(fields, required=False)
    body = forms.text(fields, "texte", "Commentaire", 10_000, multiline=True)

    def queue_it():
        articles = s.articles()
        queue = Queue(queue_file(s.settings))
        try:
            return queue.add([Submission(key=f"service:{uuid.uuid4()}", article=articles.slug_of(address) or "",
                                         author=name, email=email, website=website, date=db.now(), body=body,
                                         address=address, origin="formulaire du site")])
        finally:
            queue.close()

    try:
        added = await run_in_threadpool(queue_it)
    except IntakeError:
        raise Refused("Le commentaire n’a pas pu être enregistré\u00a0: réessayez plus tard.", 503) from None
    if added.refused:
        raise Refused(f"Commentaire refusé\u00a0: {added.refused[0].reason}.")
    return s.html("Merci", pages.paragraph("Merci\u00a0: votre commentaire sera publié après validation.")
                  + f"<p><a href=\"{_site(s, address + '/')}\">Retour à l’article</a></p>")


async def report(request: Request) -> Response:
    s: Service = request.app.state.service
    s.limit_ip(request)
    fields = await s.form(request, "signaler")
    article = _article(fields.get("article", ""))
    comment_id = _article(fields.get("commentaire", ""))
    reason = forms.text(fields, "motif", "Motif", 500, required=False, multiline=True)

    def record():
        queue = Queue(queue_file(s.settings))
        try:
            queue.report(article, comment_id, reason)
        finally:
            queue.close()

    await run_in_threadpool(record)
    return s.html("Signalement transmis", pages.paragraph(
        "Merci\u00a0: l’autrice relira ce commentaire en priorité.")
        + f"<p><a href=\"{_site(s, article + '/')}\">Retour à l’article</a></p>")


# Topic ideas ----------------------------------------------------------------------------

async def propose_idea(request: Request) -> Response:
    s: Service = request.app.state.service
    s.limit_ip(request)
    fields = await s.form(request, "idee")
    title = forms.text(fields, "titre", "Sujet", 160)
    body = forms.text(fields, "texte", "Précisions", 2000, required=False, multiline=True)
    name = forms.text(fields, "nom", "Nom", 100, required=False)
    await run_in_threadpool(store.propose, s.engine, title, body, name)
    return s.html("Merci pour votre idée", pages.paragraph(
        "Merci\u00a0: votre idée sera publiée après validation, et chacun pourra voter pour elle."))


def _idea(value: str) -> int:
    return _number(value, 9, "Idée inconnue.")


async def vote(request: Request) -> Response:
    s: Service = request.app.state.service
    s.limit_ip(request)
    fields = await s.form(request, "vote")
    idea = _idea(fields.get("idee", ""))
    if fields.get("jeton"):
        outcome = await run_in_threadpool(store.vote_with_token, s.engine, idea, forms.token(fields["jeton"]))
        if outcome == "unknown":
            raise Refused("Idée inconnue, ou lien d’abonné non valide.", 404)
        said = "Votre vote est compté. Merci\u202f!" if outcome == "counted" else "Vous aviez déjà voté pour cette idée."
        return s.html("Vote enregistré", pages.paragraph(said))
    email = forms.address(fields)
    task = None
    if s.may_mail(email):
        pending = await run_in_threadpool(store.request_vote, s.engine, idea, email,
                                          s.settings["ENGAGEMENT_CONFIRM_HOURS"])
        task = s.send_later(mail.vote_confirmation(s.settings, email, s.url(f"/idees/confirmer?jeton={pending.secret}"),
                                                   f"n°{idea}"))
    return s.html("Vérifiez votre boîte aux lettres", pages.paragraph(
        "Un courriel vient de partir avec un lien\u00a0: votre vote compte dès que vous l’avez confirmé."),
        background=task)


async def ideas_page(request: Request) -> Response:
    """The approved ideas, from the letter's link: a subscriber votes by her token."""
    s: Service = request.app.state.service
    token = forms.token(request.query_params.get("jeton", ""))
    approved = await run_in_threadpool(store.list_ideas, s.engine, "approved")
    signed = s.signer.issue("vote")
    items = "".join(
        f"<li><h2>{escape(i.title)}</h2>" + (pages.paragraph(i.body) if i.body else "")
        + pages.paragraph(f"{i.votes}\u00a0vote{'s' if i.votes > 1 else ''}")
        + pages.button_form(s.url("/idees/vote"), {"idee": i.id, "jeton": token, "formulaire": signed},
                            "Voter pour cette idée", f"voter-{i.id}") + "</li>"
        for i in sorted(approved, key=lambda i: (-i.votes, i.id)))
    listing = f"<ol>{items}</ol>" if items else pages.paragraph("Aucune idée publiée pour l’instant.")
    return s.html("Vos idées", pages.paragraph("Une voix par personne et par idée. Pour proposer un sujet\u00a0: "
                  "la page «\u202fVos idées\u202f» du site.") + listing)


async def vote_confirm_page(request: Request) -> Response:
    s: Service = request.app.state.service
    secret = forms.token(request.query_params.get("jeton", ""))
    if not await run_in_threadpool(store.request_is_open, s.engine, secret, "vote"):
        return _expired(s)
    return s.html("Confirmer votre vote", pages.button_form(
        s.url("/idees/confirmer"), {"jeton": secret, "formulaire": s.signer.issue("vote-confirmer", secret)},
        "Confirmer mon vote", "confirmer-vote"))


async def vote_confirm(request: Request) -> Response:
    s: Service = request.app.state.service
    fields = await s.form(request, "vote-confirmer", "jeton")
    outcome = await run_in_threadpool(store.confirm_vote, s.engine, forms.token(fields.get("jeton", "")))
    if outcome == "unknown":
        return _expired(s)
    said = "Votre vote est compté. Merci\u202f!" if outcome == "counted" else "Vous aviez déjà voté pour cette idée."
    return s.html("Vote enregistré", pages.paragraph(said))


async def health(request: Request) -> Response:
    return PlainTextResponse("ok\n")


def _refused(request: Request, error: Refused) -> Response:
    s: Service = request.app.state.service
    return s.html("Demande refusée", pages.paragraph(error.message), error.status)


def _not_found(request: Request, error) -> Response:
    s: Service = request.app.state.service
    status = getattr(error, "status_code", 404)
    title = "Page introuvable" if status == 404 else "Méthode non permise" if status == 405 else "Erreur"
    return s.html(title, pages.paragraph("Cette adresse n’existe pas sur le service de la lettre."), status)


def _error(request: Request, error: Exception) -> Response:
    s: Service = request.app.state.service
    log.error("erreur du service de la lettre (%s)", type(error).__name__)  # no request data
    return s.html("Erreur du service", pages.paragraph("Une erreur est survenue\u00a0: rien n’a été enregistré. "
                                                       "Réessayez dans un moment."), 500)


ROUTES = [
    Route("/abonnement", subscribe_page, methods=["GET"]),
    Route("/abonnement", subscribe, methods=["POST"]),
    Route("/confirmer", confirm_page, methods=["GET"]),
    Route("/confirmer", confirm, methods=["POST"]),
    Route("/desabonnement", unsubscribe_page, methods=["GET"]),
    Route("/desabonnement", unsubscribe, methods=["POST"]),
    Route("/avis", feedback_page, methods=["GET"]),
    Route("/avis", feedback, methods=["POST"]),
    Route("/commentaire", comment, methods=["POST"]),
    Route("/signaler", report, methods=["POST"]),
    Route("/idees", ideas_page, methods=["GET"]),
    Route("/idees", propose_idea, methods=["POST"]),
    Route("/idees/vote", vote, methods=["POST"]),
    Route("/idees/confirmer", vote_confirm_page, methods=["GET"]),
    Route("/idees/confirmer", vote_confirm, methods=["POST"]),
    Route("/sante", health, methods=["GET"]),
]


def create_app(settings: dict, environ=None, engine=None) -> Starlette:
    environ = dict(os.environ if environ is None else environ)
    if not settings.get("ENGAGEMENT_URL"):
        raise ValueError("ENGAGEMENT_URL is not set")
    engine = engine or db.engine_for(settings, environ)
    from . import service_links  # the links of its own messages lead to it, as the build makes the editions'

    settings = dict(settings, **service_links(settings["ENGAGEMENT_URL"]))
    allowed = {o for o in (origin(settings.get("SITEURL")), origin(settings["ENGAGEMENT_URL"]),
                           *(origin(x) for x in settings["ENGAGEMENT_ORIGINS"])) if o}
    signer = forms.Signer(forms.load_secret(Path(settings["PRIVATE_OUTPUT_PATH"]), environ),
                          settings["ENGAGEMENT_MIN_FILL_SECONDS"], settings["ENGAGEMENT_FORM_HOURS"] * 3600)
    service = Service(settings, engine, signer, allowed, origin(settings["ENGAGEMENT_URL"]), environ,
                      mail.Outbox(settings, environ))
    app = Starlette(routes=ROUTES, exception_handlers={Refused: _refused, 404: _not_found, 405: _not_found,
                                                       Exception: _error})
    app.state.service = service
    return app


SETTINGS_ENVIRONMENT = "NENUFAR_SETTINGS"


def from_environment() -> Starlette:
    """uvicorn's factory: the settings file named by NENUFAR_SETTINGS (publishconf.py by default)."""
    from publishing import load_settings

    conf = os.environ.get(SETTINGS_ENVIRONMENT, "publishconf.py")
    return create_app(load_settings(conf))

"""Fetching the sources: polite, bounded, conditional, and one failure never stops the rest.

At most `concurrency` requests at a time and 2 per server; a timeout per
request and a total time per source (requests, redirects, parsing); the body
decompressed as it streams and never past its limit; ETag and Last-Modified
sent back; permanent redirects move the source (or merge it with the listed
source already at that address), a loop of redirects stops; 410 disables a
source; 429 and 503 set a time, bounded, before which the source is not asked
again (Retry-After); a 403 is retried once with a browser-like user agent.

Every step of one source (fetch, decode, parse, match, store) runs under one
boundary (`_one`): what fails there, foreseen or not, becomes that source's
`SourceResult` with a French error, and the batch goes on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from . import sources as sourcing
from .body import BodyError, BoundedBody
from .config import Limits
from .match import Matcher
from .parse import Entry, ParseError, http_url
from .results import ERROR, MERGED, NOT_MODIFIED, OK, STEPS, Report, SourceResult, when_fr
from .store import Source, Store, now
from .worker import ParseCrash, ParsePool

log = logging.getLogger(__name__)
PER_HOST = 2
MAX_REDIRECTS = 5
DRAIN = 64 * 1024  # body bytes read from a response that is not a feed, to keep its connection
MAX_WAIT = dt.timedelta(days=7)  # the longest a Retry-After is obeyed
DEFAULT_WAIT = dt.timedelta(hours=1)  # a 429 or 503 without a readable Retry-After
USER_AGENT = "Nenufar-reactions/1.0 (lecteur de flux ; +https://nenufar.example/)"
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
_VALIDATOR = re.compile(r"^[\x20-\x7e]{1,256}$")  # an ETag or a date we can send back as it came
_REASONS = {400: "requête refusée", 401: "accès réservé", 403: "accès refusé", 404: "introuvable",
            405: "méthode refusée", 406: "format refusé", 500: "erreur du serveur", 502: "passerelle en erreur",
            504: "passerelle sans réponse"}


class FetchError(Exception):
    def __init__(self, message: str, step: str = "fetch", **state):
        super().__init__(message)
        self.step = step  # "fetch", or "decode" when the body could not be decompressed
        self.state = state  # source fields to store with the error (disabled, retry_after…)


@dataclass(frozen=True)
class Response:
    """What the network gave for one source."""

    modified: bool  # False: 304
    data: bytes
    content_type: str
    url: str  # the address that answered
    permanent: bool  # every redirect on the way was permanent
    validators: dict = field(default_factory=dict)  # etag, last_modified to send back next time


def retry_after(value: str | None, at: dt.datetime) -> dt.datetime:
    """When to ask again: the header's seconds or date, never before `at` nor after `at + MAX_WAIT`."""
    wait = DEFAULT_WAIT
    value = (value or "").strip()
    if value.isdigit():
        wait = dt.timedelta(seconds=int(value)) if len(value) <= 9 else MAX_WAIT
    elif value:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = None
        if moment is not None:
            if moment.tzinfo is None:  # « -0000 »: UTC, says RFC 5322
                moment = moment.replace(tzinfo=dt.timezone.utc)
            try:
                wait = moment.astimezone(dt.timezone.utc) - at
            except (OverflowError, ValueError):
                wait = MAX_WAIT
    return at + min(max(wait, dt.timedelta(0)), MAX_WAIT)


def _validator(value: str | None) -> str | None:
    return value if value and _VALIDATOR.match(value) else None


def network_error(error: BaseException, timeout: float) -> str:
    """A network failure, in French, without the library's English."""
    import ssl

    if isinstance(error, (httpx.TimeoutException, asyncio.TimeoutError)):
        return f"délai dépassé ({timeout:g}\u00a0s)"
    cause = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "connexion chiffrée impossible (certificat refusé ou TLS invalide)"
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.ConnectError):
        return "connexion impossible (serveur injoignable ou nom inconnu)"
    if isinstance(error, httpx.RemoteProtocolError):
        return "réponse HTTP mal formée ou interrompue"
    if isinstance(error, httpx.LocalProtocolError):
        return "requête impossible (en-tête invalide)"
    if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "adresse invalide (http ou https attendu)"
    if isinstance(error, httpx.ReadError):
        return "connexion coupée pendant la lecture"
    if isinstance(error, httpx.WriteError):
        return "connexion coupée pendant l’envoi"
    return f"erreur réseau ({type(error).__name__})"


class Budget:
    """The total time of one source, started at its first request."""

    def __init__(self, seconds: float):
        self.seconds, self.deadline = seconds, None

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.seconds

    def remaining(self) -> float:
        if self.deadline is None:
            return self.seconds
        return self.deadline - asyncio.get_running_loop().time()

    def spent(self) -> FetchError:
        return FetchError(f"temps total dépassé ({self.seconds:g}\u00a0s pour cette source)")


class Fetcher:
    def __init__(self, limits: Limits = Limits(), zone: dt.tzinfo = dt.timezone.utc):
        self.limits, self.zone = limits, zone
        self.limit = asyncio.Semaphore(limits.concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}

    def _host(self, url: str) -> asyncio.Semaphore:
        host = httpx.URL(url).netloc.decode("ascii", "replace").lower()
        return self.hosts.setdefault(host, asyncio.Semaphore(PER_HOST))

    async def _get(self, client: httpx.AsyncClient, url: str, headers: dict, budget: Budget):
        # The server's turn first, then one of the run's: a source waiting for its busy server
        # never holds a turn that a source elsewhere could use. Waiting does not count against the time.
        async with self._host(url), self.limit:
            budget.start()
            remaining = budget.remaining()
            if remaining <= 0:
                raise budget.spent()
            try:
                return await asyncio.wait_for(self._request(client, url, headers), min(self.limits.timeout, remaining))
            except asyncio.TimeoutError:
                if budget.remaining() <= 0:
                    raise budget.spent() from None
                raise

    async def _request(self, client: httpx.AsyncClient, url: str, headers: dict):
        async with client.stream("GET", url, headers=headers) as response:
            body = None
            if response.status_code in (200, 203):
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and len(declared) < 20 and int(declared) > self.limits.max_bytes:
                    raise FetchError(f"réponse trop volumineuse ({int(declared) // 1024}\u00a0Ko annoncés, "
                                     f"limite {self.limits.max_bytes // 1024}\u00a0Ko)")
                try:
                    reader = BoundedBody(response.headers.get("content-encoding"), self.limits.max_bytes)
                    async for chunk in response.aiter_raw():
                        reader.feed(chunk)
                    body = reader.close()
                except BodyError as error:
                    raise FetchError(str(error), step="decode") from None
            else:
                # A 304 or a redirect has little or no body: read it (at most DRAIN bytes), so that the
                # connection goes back to the pool instead of being closed.
                drained = 0
                async for chunk in response.aiter_raw():
                    drained += len(chunk)
                    if drained > DRAIN:
                        break
            return response.status_code, response.headers, body

    async def fetch(self, client: httpx.AsyncClient, source: Source, budget: Budget) -> Response:
        """The source's response, or FetchError (French message, and state to store)."""
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if _validator(source.etag):
            headers["If-None-Match"] = source.etag
        if _validator(source.last_modified):
            headers["If-Modified-Since"] = source.last_modified
        url, seen, permanent, browser_tried = source.url, set(), True, False
        while True:
            if http_url(url) is None:
                raise FetchError("adresse invalide (attendu\u00a0: http:// ou https://, un nom de serveur, "
                                 "un port en chiffres)")
            try:
                status, response_headers, body = await self._get(client, url, headers, budget)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                # The address was fine: httpx read the Location header of a redirect and refused it.
                raise FetchError("redirection vers une adresse refusée (http ou https attendu)") from None
            except (httpx.HTTPError, asyncio.TimeoutError) as error:
                raise FetchError(network_error(error, self.limits.timeout)) from None
            if status in (301, 302, 303, 307, 308):
                seen.add(url)
                target = http_url(response_headers.get("location", ""), url)
                if target is None:
                    raise FetchError("redirection vers une adresse refusée (http ou https attendu)")
                if target in seen or len(seen) > MAX_REDIRECTS:
                    raise FetchError(f"boucle de redirections ({len(seen)} redirections)")
                permanent = permanent and status in (301, 308)
                url = target
                continue
            if status == 403 and not browser_tried:
                browser_tried = True
                headers["User-Agent"] = BROWSER_AGENT
                continue
            break
        if status == 304:
            return Response(False, b"", "", url, permanent)
        at = now()
        if status == 410:
            raise FetchError("410 Gone\u00a0: source supprimée par son site, désactivée",
                             disabled=f"410 Gone, le {when_fr(at, self.zone)}")
        if status in (429, 503):
            until = retry_after(response_headers.get("retry-after"), at)
            if until > at:
                return_at = f"pas de nouvelle demande avant le {when_fr(until, self.zone)}"
                raise FetchError(f"{status} ({'trop de requêtes' if status == 429 else 'service indisponible'})"
                                 f"\u00a0: {return_at}", retry_after=until)
            raise FetchError(f"{status} ({'trop de requêtes' if status == 429 else 'service indisponible'})",
                             retry_after=None)
        if status >= 400:
            reason = _REASONS.get(status)
            raise FetchError(f"HTTP {status}" + (f" ({reason})" if reason else ""))
        if status not in (200, 203):
            raise FetchError(f"HTTP {status}\u00a0: réponse inattendue pour un flux")
        if not body or not body.strip():
            raise FetchError("réponse vide\u00a0: le serveur n’a envoyé aucun flux")
        validators = {"etag": _validator(response_headers.get("etag")),
                      "last_modified": _validator(response_headers.get("last-modified"))}
        return Response(True, body, response_headers.get("content-type", "")[:200], url, permanent, validators)


def _key(entry: Entry, reused: set[str]) -> str:
    if entry.guid and entry.guid not in reused:
        if len(entry.guid) <= 200:
            return "guid:" + entry.guid
        return "guid#" + hashlib.sha256(entry.guid.encode("utf-8", "replace")).hexdigest()[:32]
    digest = hashlib.sha256(f"{entry.link or ''}\n{entry.title or ''}".encode("utf-8", "replace")).hexdigest()[:24]
    return "lien:" + digest


def _week(entry: Entry, first_fetch: bool, at: dt.datetime) -> dt.datetime | None:
    """The date an entry counts at: its own, else when first seen, but never
    the flood of a source's undated back catalogue on its first fetch."""
    if entry.published:
        return entry.published
    return None if first_fetch else at


def rows(entries: tuple[Entry, ...], matcher: Matcher, first_fetch: bool) -> list[dict]:
    """What the store keeps of each entry: its key, the date it counts at, what it matches."""
    at = now()
    guids = Counter(e.guid for e in entries if e.guid)
    reused = {g for g, count in guids.items() if count > 1}
    found, keys = [], set()
    for entry in entries:
        key = _key(entry, reused)
        if key in keys:
            continue  # the same entry twice in one feed
        keys.add(key)
        folded = matcher.folded(entry)  # once for both questions
        found.append({"key": key, "guid": entry.guid, "link": entry.link, "title": entry.title,
                      "author": entry.author, "published": entry.published, "week": _week(entry, first_fetch, at),
                      "excerpt": entry.excerpt, "links": entry.links, "articles": matcher.articles(entry, folded),
                      "keywords": matcher.mentions(entry, folded)})
    return found


def _moved(store: Store, source: Source, response: Response) -> tuple[dict, tuple[str, ...], Source | None]:
    """Fields and notes for a permanent redirect; the twin when the source is to merge."""
    if not response.permanent or response.url == source.url:
        return {}, (), None
    decision = sourcing.redirected(store, source, response.url)
    if decision is None:
        return {}, (), None
    if decision.merge:
        twin = decision.twin
        return ({"merged_into": twin.id},
                (f"redirigée pour de bon vers {decision.target}, l’adresse de «\u202f{twin.name}\u202f»\u00a0: "
                 "les deux sont fusionnées (seule celle-ci n’est plus relevée)\u202f; retirez-la de "
                 "sources.opml",), twin)
    return {"url": decision.target}, (f"adresse mise à jour\u00a0: {source.url} → {decision.target} "
                                      "(redirection permanente)",), None


class _Run:
    def __init__(self, store: Store, matcher: Matcher, limits: Limits, pool: ParsePool, zone: dt.tzinfo):
        self.store, self.matcher, self.limits, self.pool, self.zone = store, matcher, limits, pool, zone
        self.fetcher = Fetcher(limits, zone)

    def _error(self, source: Source, step: str, message: str, state: dict | None = None, unexpected=False,
               notes: tuple[str, ...] = ()) -> SourceResult:
        try:
            self.store.update_source(source.id, last_error=message, last_error_at=now(), **(state or {}))
        except Exception as error:  # noqa: BLE001 - the store failing too: say so, keep going
            notes += (f"l’erreur n’a pas pu être notée dans la base ({type(error).__name__})",)
        return SourceResult(source, ERROR, error=message, step=step, unexpected=unexpected, notes=notes)

    async def one(self, client: httpx.AsyncClient, source: Source) -> SourceResult:
        """Everything about one source, under one boundary: whatever happens is its result."""
        step, budget = "fetch", Budget(self.limits.source_time)
        try:
            try:
                response = await self.fetcher.fetch(client, source, budget)
            except FetchError as error:
                return self._error(source, error.step, str(error), error.state)
            step = "store"
            moved, notes, twin = _moved(self.store, source, response)
            if twin is not None:
                self.store.update_source(source.id, **moved, last_ok_at=now(), last_error=None)
                return SourceResult(source, MERGED, notes=notes)
            if not response.modified:
                self.store.update_source(source.id, **moved, last_ok_at=now(), last_error=None, retry_after=None)
                return SourceResult(source, NOT_MODIFIED, notes=notes)
            step = "parse"
            try:
                parsed = await self.pool.parse(response.data, response.url, response.content_type,
                                               self.limits.max_entries, budget.remaining())
            except ParseError as error:
                return self._error(source, "parse", str(error), moved, notes=notes)
            step = "match"
            found = rows(parsed.entries, self.matcher, source.fetches == 0)
            step = "store"
            added = self.store.save_entries(source.id, found, {
                **moved, **response.validators, "retry_after": None, "last_ok_at": now(), "last_error": None,
                "fetches": source.fetches + 1})
            return SourceResult(source, OK, added=added, read=len(found), notes=notes + parsed.notes)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the boundary: one source never stops the batch
            if isinstance(error, ParseCrash):
                kind = str(error)
            else:
                kind = type(error).__name__
            where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
            log.debug("source %s: unexpected %s at step %s", source.url, kind, step, exc_info=True)
            detail = f"{kind} ({os.path.basename(where.filename)}:{where.lineno})" if where else kind
            return self._error(source, step, f"erreur inattendue à l’étape «\u202f{STEPS[step]}\u202f» ({kind})",
                               unexpected=True, notes=(f"détail technique\u00a0: {detail}",))


async def fetch_all(store: Store, plan: sourcing.Plan, matcher: Matcher, limits: Limits = Limits(),
                    on_done=lambda result: None, workers: int | None = None,
                    zone: dt.tzinfo = dt.timezone.utc) -> Report:
    """Fetch the planned sources; parse in worker processes; store each as it finishes.
    One result per source of the plan (those waiting included), in the order they end."""
    results = []
    for result in plan.waiting:
        on_done(result)
        results.append(result)
    if not plan.to_fetch:
        return Report(tuple(results))
    size = workers if workers else min(os.cpu_count() or 1, len(plan.to_fetch))
    pool = ParsePool(size)
    run = _Run(store, matcher, limits, pool, zone)
    timeout = httpx.Timeout(limits.timeout)
    pool_limits = httpx.Limits(max_connections=limits.concurrency * 2, max_keepalive_connections=limits.concurrency * 2)
    try:
        async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, limits=pool_limits) as client:
            tasks = [asyncio.create_task(run.one(client, s)) for s in plan.to_fetch]
            for task in asyncio.as_completed(tasks):
                result = await task
                on_done(result)
                results.append(result)
    finally:
        await pool.close()
    return Report(tuple(results))

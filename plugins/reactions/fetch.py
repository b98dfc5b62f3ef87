"""Fetching the sources: polite, bounded, conditional, and one failure never stops the rest.

At most CONCURRENCY requests at a time and 2 per host; a timeout and a body
size limit per request; ETag and Last-Modified sent back; permanent redirects
update the stored URL, a loop of redirects stops; 410 disables a source; 429
and 503 set a time before which the source is not asked again (Retry-After);
a 403 is retried once with a browser-like user agent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from .match import Matcher
from .parse import parse
from .store import Source, Store, now

CONCURRENCY = 8
PER_HOST = 2
TIMEOUT = 10.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Nenufar-reactions/1.0 (lecteur de flux ; +https://nenufar.example/)"
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


class FetchError(Exception):
    def __init__(self, message: str, **state):
        super().__init__(message)
        self.state = state  # source fields to store with the error (disabled, retry_after…)


@dataclass
class Fetched:
    source: Source
    status: str  # "ok", "not-modified", "skipped", "error"
    data: bytes = b""
    content_type: str = ""
    fields: dict = field(default_factory=dict)
    error: str = ""
    added: int = 0


def _retry_after(value: str | None) -> dt.datetime:
    moment = now() + dt.timedelta(seconds=3600)
    if value:
        if value.strip().isdigit():
            moment = now() + dt.timedelta(seconds=int(value.strip()))
        else:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                pass
    return moment


class Fetcher:
    def __init__(self, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES, concurrency: int = CONCURRENCY):
        self.timeout, self.max_bytes = timeout, max_bytes
        self.limit = asyncio.Semaphore(concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}

    def _host(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        return self.hosts.setdefault(host, asyncio.Semaphore(PER_HOST))

    async def _get(self, client: httpx.AsyncClient, url: str, headers: dict) -> tuple[httpx.Response, bytes]:
        async with self.limit, self._host(url):  # waiting for a turn does not count against the timeout
            return await asyncio.wait_for(self._request(client, url, headers), self.timeout)

    async def _request(self, client: httpx.AsyncClient, url: str, headers: dict) -> tuple[httpx.Response, bytes]:
        async with client.stream("GET", url, headers=headers) as response:
            body = bytearray()
            if response.status_code == 200:
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"réponse trop volumineuse ({int(declared) // 1024} Ko annoncés, "
                                     f"limite {self.max_bytes // 1024} Ko)")
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > self.max_bytes:
                        raise FetchError(f"réponse trop volumineuse (plus de {self.max_bytes // 1024} Ko)")
            return response, bytes(body)

    async def fetch(self, client: httpx.AsyncClient, source: Source) -> Fetched:
        if source.disabled:
            return Fetched(source, "skipped", error=f"désactivée : {source.disabled}")
        if source.retry_after and dt.datetime.fromisoformat(source.retry_after) > now():
            return Fetched(source, "skipped", error=f"le serveur a demandé d’attendre jusqu’à {source.retry_after}")
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if source.etag:
            headers["If-None-Match"] = source.etag
        if source.last_modified:
            headers["If-Modified-Since"] = source.last_modified
        url, seen, permanent, browser_tried = source.url, set(), True, False
        try:
            while True:
                response, body = await self._get(client, url, headers)
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    seen.add(url)
                    target = urljoin(url, response.headers.get("location", ""))
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
        except FetchError as error:
            return Fetched(source, "error", error=str(error), fields=error.state)
        except asyncio.TimeoutError:
            return Fetched(source, "error", error=f"délai dépassé ({self.timeout:g} s)")
        except httpx.ConnectError:
            return Fetched(source, "error", error="connexion impossible (serveur injoignable ou nom inconnu)")
        except httpx.HTTPError as error:
            return Fetched(source, "error", error=f"erreur réseau ({type(error).__name__})")
        fields = {}
        if permanent and url != source.url:
            fields["url"] = url  # a permanent redirect: ask the new address next time
        if status == 304:
            return Fetched(source, "not-modified", fields=fields)
        if status == 410:
            return Fetched(source, "error", error="410 Gone : source supprimée, désactivée",
                           fields={**fields, "disabled": f"410 Gone le {now().date().isoformat()}"})
        if status in (429, 503):
            until = _retry_after(response.headers.get("retry-after"))
            return Fetched(source, "error", error=f"{status} : réessai après {until.isoformat()}",
                           fields={**fields, "retry_after": until.isoformat()})
        if status >= 400:
            return Fetched(source, "error", error=f"HTTP {status}", fields=fields)
        fields.update(etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
                      retry_after=None)
        return Fetched(source, "ok", data=body, content_type=response.headers.get("content-type", ""),
                       fields=fields)


def _key(entry: dict, reused: set[str]) -> str:
    if entry["guid"] and entry["guid"] not in reused:
        return "guid:" + entry["guid"]
    digest = hashlib.sha256(f"{entry['link'] or ''}\n{entry['title'] or ''}".encode()).hexdigest()[:24]
    return "lien:" + digest


def _week(entry: dict, first_fetch: bool) -> str | None:
    """The date an entry counts at: its own, else when first seen, but never
    the flood of a source's undated back catalogue on its first fetch."""
    published = entry["published"]
    if published and published <= now() + dt.timedelta(days=1):
        return published.isoformat()
    return None if first_fetch else now().isoformat()


def store_result(store: Store, result: Fetched, matcher: Matcher, parsed=None) -> Fetched:
    source, stamp = result.source, now().isoformat()
    if result.status == "skipped":
        return result
    if result.status == "error":
        store.update_source(source.id, last_error=result.error, last_error_at=stamp, **result.fields)
        return result
    if result.status == "not-modified":
        store.update_source(source.id, last_ok_at=stamp, last_error=None, **result.fields)
        return result
    entries, problem = parsed or parse(result.data, result.fields.get("url", source.url), result.content_type)
    if problem:
        result.status, result.error = "error", problem
        store.update_source(source.id, last_error=problem, last_error_at=stamp,
                            **{k: v for k, v in result.fields.items() if k == "url"})
        return result
    guids = [e["guid"] for e in entries if e["guid"]]
    reused = {g for g in guids if guids.count(g) > 1}
    first_fetch = source.fetches == 0
    for entry in entries:
        entry["key"] = _key(entry, reused)
        entry["week"] = _week(entry, first_fetch)
        entry["published"] = entry["published"].isoformat() if entry["published"] else None
        folded = matcher.folded(entry)  # once for both questions
        entry["articles"] = matcher.articles(entry, folded)
        entry["keywords"] = matcher.mentions(entry, folded)
    result.added = store.save_entries(source, entries, {**result.fields, "last_ok_at": stamp, "last_error": None,
                                                        "fetches": source.fetches + 1})
    return result


PARSE_WORKERS_FROM = 20  # sources; below, parsing in this process costs less than starting workers


async def fetch_all(store: Store, matcher: Matcher, on_done=lambda result: None, workers: int | None = None,
                    **options) -> list[Fetched]:
    """Fetch every source; parse in worker processes (feedparser is pure Python:
    the cores, not the network, are the limit) and store as each one finishes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fetcher = Fetcher(**options)
    sources = store.sources()
    if workers is None:
        workers = (os.cpu_count() or 1) if len(sources) >= PARSE_WORKERS_FROM else 0
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers else None
    loop = asyncio.get_running_loop()

    async def one(client, source):
        result = await fetcher.fetch(client, source)
        parsed = None
        if result.status == "ok" and pool is not None:
            parsed = await loop.run_in_executor(pool, parse, result.data,
                                                result.fields.get("url", source.url), result.content_type)
        return result, parsed

    try:
        async with httpx.AsyncClient(follow_redirects=False, timeout=options.get("timeout", TIMEOUT)) as client:
            tasks = [asyncio.create_task(one(client, s)) for s in sources]
            results = []
            for task in asyncio.as_completed(tasks):
                result, parsed = await task
                result = store_result(store, result, matcher, parsed)  # stored as each source finishes
                on_done(result)
                results.append(result)
    finally:
        if pool is not None:
            pool.shutdown()
    return results

"""reactions/sources.opml is the truth: the store follows it.

`sync` brings the store in line with the OPML in one transaction and linear
time: a new outline becomes a source, an outline removed stops being fetched
(its entries stay attributed to it), an outline put back is fetched again.
A source is known by its OPML address (`origin`) and asked at its current one
(`url`), so a permanent redirect never collides with the OPML on the next run.

`plan` says which listed sources to ask now and why the others wait;
`redirected` decides what a permanent redirect does to a source; `overview`
is what `reactions.status` shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .opml import Feed, address
from .results import MERGED, SKIPPED, SourceResult, when_fr
from .store import Source, Store, now


@dataclass(frozen=True)
class Sync:
    listed: tuple[Source, ...]  # every source of the OPML, in its order
    added: tuple[Source, ...]  # new in the OPML
    removed: tuple[Source, ...]  # gone from the OPML: no longer fetched, entries kept
    restored: tuple[Source, ...]  # back in the OPML after a removal


def sync(store: Store, feeds: list[Feed]) -> Sync:
    """Make the store's list of sources the OPML's, in one transaction."""
    with store.transaction():
        known = {s.origin: s for s in store.sources()}
        listed, added, restored, seen = [], [], [], set()
        for feed in feeds:
            origin = address(feed.url)
            if origin in seen:
                continue  # the same address written twice
            seen.add(origin)
            source = known.get(origin)
            if source is None:
                store.add_source(origin, feed.name, feed.kind, feed.html_url)
                added.append(origin)
            else:
                changes = {k: v for k, v in (("name", feed.name), ("kind", feed.kind), ("html_url", feed.html_url))
                           if getattr(source, k) != v}
                if not source.listed:
                    # Put back by the author: a fresh start (a 410 or a wait may be over).
                    changes.update(listed=1, disabled=None, retry_after=None, merged_into=None)
                    restored.append(origin)
                if changes:
                    store.update_source(source.id, **changes)
            listed.append(origin)
        removed = [s for origin, s in known.items() if s.listed and origin not in seen]
        for source in removed:
            store.update_source(source.id, listed=0)
        after = {s.origin: s for s in store.sources()}
    return Sync(tuple(after[o] for o in listed), tuple(after[o] for o in added),
                tuple(after[s.origin] for s in removed), tuple(after[o] for o in restored))


@dataclass(frozen=True)
class Plan:
    to_fetch: tuple[Source, ...]
    waiting: tuple[SourceResult, ...]  # not asked this time, with the reason (SKIPPED or MERGED)

    @property
    def total(self) -> int:
        return len(self.to_fetch) + len(self.waiting)


def plan(listed: tuple[Source, ...] | list[Source], at: dt.datetime | None = None,
         zone: dt.tzinfo = dt.timezone.utc) -> Plan:
    at = at or now()
    by_id = {s.id: s for s in listed}
    to_fetch, waiting = [], []
    for source in listed:
        twin = by_id.get(source.merged_into) if source.merged_into else None
        if twin is not None:
            waiting.append(SourceResult(source, MERGED, error=f"même flux que «\u202f{twin.name}\u202f» "
                                        f"({twin.url})\u00a0: retirez l’une des deux de sources.opml"))
        elif source.disabled:
            waiting.append(SourceResult(source, SKIPPED, error=f"désactivée\u00a0: {source.disabled}"))
        elif source.retry_after and source.retry_after > at:
            waiting.append(SourceResult(source, SKIPPED, error="le serveur a demandé d’attendre jusqu’au "
                                        f"{when_fr(source.retry_after, zone)}"))
        else:
            to_fetch.append(source)
    return Plan(tuple(to_fetch), tuple(waiting))


@dataclass(frozen=True)
class Redirect:
    """What a permanent redirect to `target` does: move the source there, or merge
    it with `twin`, the listed source already at that address."""

    target: str
    twin: Source | None = None

    @property
    def merge(self) -> bool:
        return self.twin is not None


def redirected(store: Store, source: Source, target: str) -> Redirect | None:
    """The decision for a permanent redirect of `source` to `target` (None: no move)."""
    target = address(target)
    if target == address(source.url):
        return None
    for other in store.sources():
        if other.id != source.id and other.listed and other.merged_into != source.id and \
                target in (address(other.url), other.origin):
            return Redirect(target, other)
    return Redirect(target)


@dataclass(frozen=True)
class SourceView:
    """A line of `reactions.status`."""

    name: str
    kind: str
    address: str  # asked now
    origin: str  # in sources.opml
    state: str  # French
    last_ok: str  # French
    last_error: str | None  # French, with its date
    entries: int
    listed: bool


def overview(store: Store, feeds: list[Feed] | None, at: dt.datetime | None = None,
             zone: dt.tzinfo = dt.timezone.utc) -> list[SourceView]:
    """Every source of the OPML (fetched or not yet), then those the store keeps
    that the OPML no longer lists. Read only: the store is not synced."""
    at = at or now()
    stored = {s.origin: s for s in store.sources()}
    counts = store.entry_counts()
    by_id = {s.id: s for s in stored.values()}
    views, shown = [], set()
    for feed in feeds or []:
        origin = address(feed.url)
        if origin in shown:
            continue
        shown.add(origin)
        source = stored.get(origin)
        if source is None or not source.listed:
            state = "jamais relevée" if source is None or not source.fetches else "à nouveau suivie"
            views.append(SourceView(feed.name, feed.kind, origin, origin, state,
                                    when_fr(source.last_ok_at, zone) if source else "jamais", None,
                                    counts.get(source.id, 0) if source else 0, True))
            continue
        views.append(_view(source, by_id, counts, at, zone, True))
    for origin, source in stored.items():  # no OPML at all: the store's own list
        if origin not in shown:
            views.append(_view(source, by_id, counts, at, zone, feeds is None and source.listed))
    return views


def _view(source: Source, by_id: dict, counts: dict, at: dt.datetime, zone, listed: bool) -> SourceView:
    twin = by_id.get(source.merged_into) if source.merged_into else None
    if not listed:
        state = "retirée de sources.opml (ses entrées restent)"
    elif twin is not None:
        state = f"même flux que «\u202f{twin.name}\u202f», plus relevée"
    elif source.disabled:
        state = f"désactivée ({source.disabled})"
    elif source.retry_after and source.retry_after > at:
        state = f"en attente jusqu’au {when_fr(source.retry_after, zone)}"
    elif not source.fetches and not source.last_error:
        state = "jamais relevée"
    elif source.last_error and (source.last_ok_at is None or (source.last_error_at or at) >= source.last_ok_at):
        state = "en erreur"
    else:
        state = "active"
    error = f"{source.last_error} ({when_fr(source.last_error_at, zone)})" if source.last_error else None
    moved = source.url if source.url != source.origin else source.origin
    return SourceView(source.name, source.kind, moved, source.origin, state, when_fr(source.last_ok_at, zone),
                      error, counts.get(source.id, 0), listed)

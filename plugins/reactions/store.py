"""The reactions store (SQLite): sources with their HTTP state, and entries.

Every source's result (its entries and its new state) is written in one
transaction, and so is a sync with sources.opml: a run killed at any moment
keeps what it committed, and the next run completes the rest, with no entry
twice (UNIQUE (source_id, key)) and none lost (the HTTP validators that would
let a server answer 304 are committed with the entries they describe).

A source has two addresses: `origin`, the one in sources.opml (its identity),
and `url`, the one asked now (after permanent redirects). Timestamps are stored
as ISO 8601 in UTC and read back timezone-aware; anything else found in an
older store reads as UTC (naive) or as nothing (garbage).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

VERSION = 2
SOURCES = """
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, origin TEXT UNIQUE NOT NULL, url TEXT NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'other', html_url TEXT, etag TEXT, last_modified TEXT, disabled TEXT,
  retry_after TEXT, last_error TEXT, last_error_at TEXT, last_ok_at TEXT, fetches INTEGER NOT NULL DEFAULT 0,
  listed INTEGER NOT NULL DEFAULT 1, merged_into INTEGER REFERENCES sources(id));
"""
ENTRIES = """
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id), key TEXT NOT NULL,
  guid TEXT, link TEXT, title TEXT, author TEXT, published TEXT, first_seen TEXT NOT NULL,
  week TEXT, excerpt TEXT, links TEXT NOT NULL DEFAULT '[]', articles TEXT NOT NULL DEFAULT '[]',
  keywords TEXT NOT NULL DEFAULT '[]', UNIQUE (source_id, key));
"""
_STATE = ("etag", "last_modified", "disabled", "retry_after", "last_error", "last_error_at", "last_ok_at",
          "fetches", "url", "merged_into", "listed", "name", "kind", "html_url")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def moment(value) -> dt.datetime | None:
    """A stored timestamp, timezone-aware (UTC when the text has no offset), or None."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, str) and value and len(value) <= 64:
        try:
            found = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return found.replace(tzinfo=dt.timezone.utc) if found.tzinfo is None else found.astimezone(dt.timezone.utc)


def stamp(value: dt.datetime | None) -> str | None:
    """How a moment is stored: ISO 8601 in UTC."""
    return None if value is None else moment(value).isoformat()


@dataclass(frozen=True)
class Source:
    id: int
    origin: str  # the address in sources.opml
    url: str  # the address asked now
    name: str
    kind: str
    html_url: str | None
    etag: str | None
    last_modified: str | None
    disabled: str | None  # why, in French, when the source answered 410
    retry_after: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    fetches: int
    listed: bool  # in sources.opml at the last sync
    merged_into: int | None  # another source reached at the same address


@dataclass(frozen=True)
class Stored:
    """An entry as stored, with the source it came from."""

    id: int
    source_id: int
    source_name: str
    source_kind: str
    key: str
    guid: str | None
    link: str | None
    title: str
    author: str
    published: dt.datetime | None
    first_seen: dt.datetime
    week: dt.datetime | None  # the date it counts at; None: a first fetch's undated back catalogue
    excerpt: str
    links: tuple[str, ...]
    articles: tuple[str, ...]
    keywords: tuple[str, ...]


def _source(row) -> Source:
    (id_, origin, url, name, kind, html_url, etag, last_modified, disabled, retry_after, last_error,
     last_error_at, last_ok_at, fetches, listed, merged_into) = row
    return Source(id_, origin, url, name, kind, html_url, etag, last_modified, disabled, moment(retry_after),
                  last_error, moment(last_error_at), moment(last_ok_at), fetches or 0, bool(listed), merged_into)


_SOURCE_COLUMNS = ("id, origin, url, name, kind, html_url, etag, last_modified, disabled, retry_after, last_error, "
                   "last_error_at, last_ok_at, fetches, listed, merged_into")


class Store:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (`transaction`), so that a sync or a
        # source's result is all or nothing. Used by one thread at a time.
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a killed process loses nothing committed
        self._depth = 0
        self._migrate()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self):
        """All or nothing; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            columns = [row[1] for row in self.db.execute("PRAGMA table_info(sources)")]
            if columns and "origin" not in columns:
                # Version 1: `url` was both the OPML address and the one asked, UNIQUE. Its
                # rows keep their id (entries stay attributed); what was asked becomes both.
                self.db.execute("ALTER TABLE sources RENAME TO sources_v1")
                self.db.execute(SOURCES)
                self.db.execute(
                    "INSERT INTO sources (id, origin, url, name, kind, html_url, etag, last_modified, disabled, "
                    "retry_after, last_error, last_error_at, last_ok_at, fetches, listed) "
                    "SELECT id, url, url, name, kind, html_url, etag, last_modified, disabled, retry_after, "
                    "last_error, last_error_at, last_ok_at, fetches, 1 FROM sources_v1")
                self.db.execute("DROP TABLE sources_v1")
                # Dates were written with the offset the feed gave: made UTC, so they compare as text.
                for id_, published, week, first_seen in self.db.execute(
                        "SELECT id, published, week, first_seen FROM entries").fetchall():
                    self.db.execute("UPDATE entries SET published = ?, week = ?, first_seen = ? WHERE id = ?",
                                    (stamp(moment(published)), stamp(moment(week)),
                                     stamp(moment(first_seen)) or first_seen, id_))
            self.db.execute(SOURCES)
            self.db.execute(ENTRIES)
            if version != VERSION:
                self.db.execute(f"PRAGMA user_version = {VERSION}")

    # Sources
    def sources(self, include_disabled: bool = True) -> list[Source]:
        rows = self.db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY name, id")
        found = [_source(row) for row in rows]
        return found if include_disabled else [s for s in found if not s.disabled]

    def source(self, source_id: int) -> Source | None:
        row = self.db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE id = ?", (source_id,)).fetchone()
        return _source(row) if row else None

    def add_source(self, origin: str, name: str, kind: str, html_url: str | None = None) -> int:
        with self.transaction():
            cursor = self.db.execute("INSERT INTO sources (origin, url, name, kind, html_url) VALUES (?, ?, ?, ?, ?)",
                                     (origin, origin, name, kind, html_url))
        return cursor.lastrowid

    def upsert_source(self, url: str, name: str, kind: str, html_url: str | None = None) -> None:
        """A source whose OPML address is `url` (added, or its name and kind updated)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO sources (origin, url, name, kind, html_url) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
                "html_url = excluded.html_url, listed = 1", (url, url, name, kind, html_url))

    def update_source(self, source_id: int, **fields) -> None:
        unknown = set(fields) - set(_STATE)
        if unknown:
            raise ValueError(f"unknown source fields: {sorted(unknown)}")
        values = [stamp(v) if isinstance(v, dt.datetime) else v for v in fields.values()]
        with self.transaction():
            assignments = ", ".join(f"{k} = ?" for k in fields)
            self.db.execute(f"UPDATE sources SET {assignments} WHERE id = ?", (*values, source_id))

    # Entries
    def save_entries(self, source_id: int, rows: list[dict], source_fields: dict) -> int:
        """Insert new entries, update changed ones, and the source's state, in one
        transaction. Each row: key, guid, link, title, author, published, week
        (datetimes or None), excerpt, links, articles, keywords."""
        added = 0
        seen_at = stamp(now())
        with self.transaction():
            for e in rows:
                values = (e["guid"], e["link"], e["title"], e["author"], stamp(e["published"]), e["excerpt"],
                          json.dumps(list(e["links"])), json.dumps(list(e["articles"])),
                          json.dumps(list(e["keywords"])))
                changed = self.db.execute(
                    "UPDATE entries SET guid = ?, link = ?, title = ?, author = ?, published = ?, excerpt = ?, "
                    "links = ?, articles = ?, keywords = ? WHERE source_id = ? AND key = ?",
                    (*values, source_id, e["key"])).rowcount
                if not changed:
                    self.db.execute("INSERT INTO entries (guid, link, title, author, published, excerpt, links, "
                                    "articles, keywords, source_id, key, first_seen, week) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    (*values, source_id, e["key"], seen_at, stamp(e["week"])))
                    added += 1
            if source_fields:
                self.update_source(source_id, **source_fields)
        return added

    def entries(self, since: dt.datetime | None = None) -> list[Stored]:
        query = ("SELECT e.id, e.source_id, s.name, s.kind, e.key, e.guid, e.link, e.title, e.author, e.published, "
                 "e.first_seen, e.week, e.excerpt, e.links, e.articles, e.keywords FROM entries e "
                 "JOIN sources s ON s.id = e.source_id")
        params: tuple = ()
        if since is not None:
            query += " WHERE e.week IS NOT NULL AND e.week >= ?"  # week: the date the entry counts at
            params = (stamp(since),)
        found = []
        for row in self.db.execute(query + " ORDER BY COALESCE(e.week, e.first_seen), e.id", params):
            (id_, source_id, name, kind, key, guid, link, title, author, published, first_seen, week, excerpt_,
             links, articles, keywords) = row
            found.append(Stored(id_, source_id, name, kind, key, guid, link, title or "", author or "",
                                moment(published), moment(first_seen), moment(week), excerpt_ or "",
                                tuple(json.loads(links)), tuple(json.loads(articles)), tuple(json.loads(keywords))))
        return found

    def entry_counts(self) -> dict[int, int]:
        return dict(self.db.execute("SELECT source_id, COUNT(*) FROM entries GROUP BY source_id"))

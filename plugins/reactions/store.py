"""The reactions store (SQLite): sources with their HTTP state, and entries.

Every fetch result is written in one transaction per source, so a run stopped
at any point keeps what it stored and the next run completes the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'other',
  html_url TEXT, etag TEXT, last_modified TEXT, disabled TEXT, retry_after TEXT,
  last_error TEXT, last_error_at TEXT, last_ok_at TEXT, fetches INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id), key TEXT NOT NULL,
  guid TEXT, link TEXT, title TEXT, author TEXT, published TEXT, first_seen TEXT NOT NULL,
  week TEXT, excerpt TEXT, links TEXT NOT NULL DEFAULT '[]', articles TEXT NOT NULL DEFAULT '[]',
  keywords TEXT NOT NULL DEFAULT '[]', UNIQUE (source_id, key));
"""


@dataclass
class Source:
    id: int
    url: str
    name: str
    kind: str
    html_url: str | None
    etag: str | None
    last_modified: str | None
    disabled: str | None
    retry_after: str | None
    last_error: str | None
    last_error_at: str | None
    last_ok_at: str | None
    fetches: int


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Store:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False)  # used by one thread at a time
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    # Sources
    def sources(self, include_disabled: bool = True) -> list[Source]:
        rows = self.db.execute(f"SELECT {', '.join(Source.__dataclass_fields__)} FROM sources ORDER BY name")
        found = [Source(*row) for row in rows]
        return found if include_disabled else [s for s in found if not s.disabled]

    def upsert_source(self, url: str, name: str, kind: str, html_url: str | None = None) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO sources (url, name, kind, html_url) VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE "
                "SET name = excluded.name, kind = excluded.kind, html_url = excluded.html_url",
                (url, name, kind, html_url))

    def update_source(self, source_id: int, **fields) -> None:
        with self.db:
            assignments = ", ".join(f"{k} = ?" for k in fields)
            self.db.execute(f"UPDATE sources SET {assignments} WHERE id = ?", (*fields.values(), source_id))

    # Entries
    def save_entries(self, source: Source, entries: list[dict], source_fields: dict) -> int:
        """Insert new entries, update changed ones, and the source's state, in one transaction."""
        added = 0
        seen_at = now().isoformat()
        with self.db:
            for e in entries:
                existing = self.db.execute("SELECT id FROM entries WHERE source_id = ? AND key = ?",
                                           (source.id, e["key"])).fetchone()
                values = (e.get("guid"), e.get("link"), e.get("title"), e.get("author"), e.get("published"),
                          e.get("excerpt"), json.dumps(e.get("links", [])), json.dumps(e.get("articles", [])),
                          json.dumps(e.get("keywords", [])))
                if existing:
                    self.db.execute("UPDATE entries SET guid = ?, link = ?, title = ?, author = ?, published = ?, "
                                    "excerpt = ?, links = ?, articles = ?, keywords = ? WHERE id = ?",
                                    (*values, existing[0]))
                else:
                    self.db.execute("INSERT INTO entries (guid, link, title, author, published, excerpt, links, "
                                    "articles, keywords, source_id, key, first_seen, week) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    (*values, source.id, e["key"], seen_at, e.get("week")))
                    added += 1
            if source_fields:
                assignments = ", ".join(f"{k} = ?" for k in source_fields)
                self.db.execute(f"UPDATE sources SET {assignments} WHERE id = ?",
                                (*source_fields.values(), source.id))
        return added

    def entries(self, since: dt.datetime | None = None) -> list[dict]:
        query = ("SELECT e.*, s.name AS source_name, s.kind AS source_kind FROM entries e "
                 "JOIN sources s ON s.id = e.source_id")
        params: tuple = ()
        if since is not None:
            query += " WHERE e.week IS NOT NULL AND e.week >= ?"  # week: the date the entry counts at
            params = (since.isoformat(),)
        self.db.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in self.db.execute(query + " ORDER BY COALESCE(e.week, e.first_seen)", params)]
        finally:
            self.db.row_factory = None
        for row in rows:
            for key in ("links", "articles", "keywords"):
                row[key] = json.loads(row[key])
        return rows

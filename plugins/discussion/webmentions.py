"""Received webmentions, from the endpoint's JSON export (jf2, as webmention.io
gives it) saved under content/webmentions/*.json: replies, likes and reposts.
Everything in them is untrusted."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import nh3

from .comments import safe_url

FOLDER = "webmentions"
KINDS = {"in-reply-to": "reply", "mention-of": "reply", "like-of": "like", "repost-of": "repost",
         "bookmark-of": "like"}


class WebmentionError(ValueError):
    """An export file cannot be read; French message naming it."""


@dataclass
class Mention:
    kind: str  # reply, like, repost
    author: str
    author_url: str | None
    url: str | None
    date: dt.datetime | None
    html: str  # cleaned
    target_path: str


def _entries(data):
    if isinstance(data, dict):
        return data.get("children") or data.get("links") or []
    return data if isinstance(data, list) else []


def load(content: Path, shown_root: str) -> tuple[list[Mention], list[str]]:
    mentions, problems = [], []
    base = content / FOLDER
    if not base.is_dir():
        return mentions, problems
    for path in sorted(base.glob("*.json")):
        shown = f"{shown_root}/{FOLDER}/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            problems.append(f"{shown} : export de webmentions illisible ({error})")
            continue
        for entry in _entries(data):
            if not isinstance(entry, dict):
                continue
            kind = KINDS.get(entry.get("wm-property") or "", "reply")
            target = entry.get("wm-target") or entry.get(entry.get("wm-property") or "", "")
            if not isinstance(target, str) or not target:
                continue
            author = entry.get("author") if isinstance(entry.get("author"), dict) else {}
            content_field = entry.get("content") if isinstance(entry.get("content"), dict) else {}
            if content_field.get("html"):
                html = nh3.clean(content_field["html"], tags={"p", "br", "a", "em", "strong", "blockquote"},
                                 attributes={"a": {"href"}}, url_schemes={"http", "https"},
                                 link_rel="nofollow ugc")
            else:
                html = escape(str(content_field.get("text") or ""))
            try:
                date = dt.datetime.fromisoformat(str(entry.get("published") or entry.get("wm-received")))
            except ValueError:
                date = None
            mentions.append(Mention(kind, str(author.get("name") or urlsplit(entry.get("url") or "").netloc
                                               or "Quelqu’un"),
                                    safe_url(author.get("url")), safe_url(entry.get("url")), date, html,
                                    urlsplit(target).path.strip("/")))
    return mentions, problems

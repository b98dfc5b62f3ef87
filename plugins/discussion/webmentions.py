"""Received webmentions, from the endpoint's JSON export (jf2, as webmention.io
gives it) saved under content/webmentions/*.json: replies, likes and reposts.
Everything in them is untrusted.

Each file is checked against the shape the build reads (`check`, a small
hand-written schema) before anything of it is used: a value of the wrong type
(`"url": 123`, a list in `content.html`) fails the build with a French message
naming the file and the field (`children[2].content.html`), instead of
Pelican's generic error. Fields the build does not read are not checked."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import nh3

from shared import Problem, plural, reason, safe_url

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


_TEXT = (str, type(None))
# The fields the build reads, by place: (field, accepted types, what is expected, in French).
_ENTRY_FIELDS = [("wm-property", _TEXT, "un texte (in-reply-to, like-of…)"),
                 ("wm-target", _TEXT, "une adresse (texte)"), ("url", _TEXT, "une adresse (texte)"),
                 ("published", _TEXT, "une date (texte ISO 8601)"),
                 ("wm-received", _TEXT, "une date (texte ISO 8601)"),
                 ("author", (dict, type(None)), "un objet {name, url}"),
                 ("content", (dict, type(None)), "un objet {html, text}")]
_AUTHOR_FIELDS = [("name", _TEXT, "un texte"), ("url", _TEXT, "une adresse (texte)")]
_CONTENT_FIELDS = [("html", _TEXT, "du HTML (texte)"), ("text", _TEXT, "un texte")]
_LISTS = ("children", "links")


def _kind_of(value) -> str:
    if isinstance(value, bool):
        return "un booléen"
    return {int: "un nombre", float: "un nombre", str: "un texte", list: "une liste", dict: "un objet",
            type(None): "null"}.get(type(value), type(value).__name__)


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def check(data) -> list[tuple[str, str]]:
    """[(field, French problem)] where `data` (a parsed export) differs from what
    the build reads: a jf2 feed {"children": [...]}, {"links": [...]} or a list of
    entries, each an object whose read fields have the right types."""
    wrong = []

    def expect(value, where, types, what):
        if not isinstance(value, types):
            wrong.append((where, f"attendu {what}, trouvé {_kind_of(value)} ({_shown(value)})"))
            return False
        return True

    if isinstance(data, dict):
        entries, prefix = [], ""
        for key in _LISTS:
            if data.get(key) is not None:
                if expect(data[key], key, list, "une liste d’entrées"):
                    entries, prefix = data[key], key
                break
    elif isinstance(data, list):
        entries, prefix = data, ""
    else:
        return [("(racine)", f"attendu un objet jf2 {{\"children\": […]}} ou une liste d’entrées, "
                            f"trouvé {_kind_of(data)}")]
    for index, entry in enumerate(entries):
        where = f"{prefix}[{index}]"
        if not expect(entry, where, dict, "un objet (une entrée)"):
            continue
        for key, types, what in _ENTRY_FIELDS:
            if key in entry:
                expect(entry[key], f"{where}.{key}", types, what)
        for key, fields in (("author", _AUTHOR_FIELDS), ("content", _CONTENT_FIELDS)):
            if isinstance(entry.get(key), dict):
                for name, types, what in fields:
                    if name in entry[key]:
                        expect(entry[key][name], f"{where}.{key}.{name}", types, what)
        property_name = entry.get("wm-property")
        if isinstance(property_name, str) and property_name in entry:
            expect(entry[property_name], f"{where}.{property_name}", _TEXT, "une adresse (texte)")
    return wrong


def _entries(data):
    if isinstance(data, dict):
        return data.get("children") or data.get("links") or []
    return data if isinstance(data, list) else []


def load(content: Path, shown_root: str) -> tuple[list[Mention], list[Problem]]:
    mentions, problems = [], []
    base = content / FOLDER
    if not base.is_dir():
        return mentions, problems
    for path in sorted(base.glob("*.json")):
        shown = f"{shown_root}/{FOLDER}/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            problems.append(Problem(shown, None, f"export de webmentions illisible ({reason(error)})"))
            continue
        wrong = check(data)
        if wrong:
            problems.extend(Problem(shown, None, f"champ «\u202f{where}\u202f»\u00a0: {problem}")
                            for where, problem in wrong[:10])
            if len(wrong) > 10:
                problems.append(Problem(shown, None, f"et {plural(len(wrong) - 10, 'autre champ')} du mauvais type"))
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

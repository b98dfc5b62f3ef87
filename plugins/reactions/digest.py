"""The weekly digest: an ordinary French article in content/, and the data file
the build reads for « Ils en parlent » under each article.

Feed text is untrusted: excerpts are plain text, escaped for Markdown and HTML
before they are written into the article; links are http(s) only.

Nothing is destroyed silently. One entry counts once per (article, canonical
link), whichever sources brought it. The data file is merged with what it holds
(an unreadable one is left alone, with the reason); the digest draft is
replaced only while it is exactly as written (its fingerprint says so), never
once the author has edited or published it. The instructions for the author
live in a Markdown comment (a link definition nothing uses), which no output holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from longform import date_fr
from shared import write_atomic

from .match import canonical_link
from .parse import http_url
from .store import Store, Stored, moment, now

DATA_FILE = "echos.json"
PER_ARTICLE = 10
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_FINGERPRINT = re.compile(r"Empreinte\u00a0: ([0-9a-f]{16})")
_BLANK_FINGERPRINT = "Empreinte\u00a0: " + "0" * 16


class DigestError(Exception):
    """The digest or the data file cannot be written; French message."""


class DigestResult(NamedTuple):
    path: Path
    reactions: int
    mentions: int


class DataResult(NamedTuple):
    path: Path
    added: int  # reactions new to the file
    kept: int  # reactions the file already held
    dropped: int  # older reactions beyond PER_ARTICLE for their article
    written: bool  # False: nothing new, the file is as it was


def md_text(text: str) -> str:
    """Plain text safe inside Markdown: no markup, no raw HTML."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text or "", quote=False))


def md_url(url: str) -> str:
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")  # parentheses and spaces encoded


def _item(entry: Stored) -> dict:
    date = entry.week or entry.published or entry.first_seen
    return {"author": entry.author or entry.source_name, "source": entry.source_name,
            "date": date.isoformat() if date else "", "title": entry.title or "", "excerpt": entry.excerpt or "",
            "link": entry.link}


def once_per_link(entries: list[Stored], articles) -> tuple[dict[str, list[Stored]], dict[str, list[Stored]]]:
    """({slug: entries}, {source name: mentions}): each entry with a link, once per
    (article, canonical link) and each mention once per canonical link, the
    first seen kept (entries come oldest first)."""
    by_article: dict[str, list[Stored]] = {}
    mentions: dict[str, list[Stored]] = {}
    counted: set = set()
    for entry in entries:
        link = canonical_link(entry.link)
        if not link:
            continue
        known = [slug for slug in entry.articles if slug in articles]
        for slug in known:
            if (slug, link) not in counted:
                counted.add((slug, link))
                by_article.setdefault(slug, []).append(entry)
        if not known and entry.keywords and ("", link) not in counted:
            counted.add(("", link))
            mentions.setdefault(entry.source_name, []).append(entry)
    return by_article, mentions


def _line(item: dict) -> str:
    when = date_fr(dt.datetime.fromisoformat(item["date"])) if item["date"] else ""
    who = md_text(item["author"])
    where = md_text(item["source"]) if item["source"] != item["author"] else ""
    head = f"**{who}**" + (f" ({where})" if where else "") + (f", {when}" if when else "")
    title = f" *{md_text(item['title'])}*" if item["title"] and item["excerpt"] else ""
    quote_text = md_text(item["excerpt"] or item["title"])
    link = f" [Lire]({md_url(item['link'])})" if item["link"] else ""
    return f"- {head}\u00a0:{title} «\u202f{quote_text}\u202f»{link}"


def _fingerprint(text: str) -> str:
    return hashlib.sha256(_FINGERPRINT.sub(_BLANK_FINGERPRINT, text).encode("utf-8")).hexdigest()[:16]


def _untouched(text: str) -> bool:
    """The file is exactly as `invoke digest` wrote it."""
    found = _FINGERPRINT.search(text)
    return bool(found) and found.group(1) == _fingerprint(text)


def write_digest(store: Store, articles: dict[str, tuple[str, str]], content: Path, since: dt.timedelta,
                 today: dt.date | None = None) -> DigestResult:
    """articles: {slug: (title, source path relative to content/)}."""
    today = today or now().date()
    monday = today - dt.timedelta(days=today.weekday())
    by_article, mentions = once_per_link(store.entries(since=now() - since), articles)
    title = f"Échos de la communauté — semaine du {date_fr(monday)}"
    slug = f"echos-de-la-communaute-{monday.isoformat()}"
    reactions = sum(len(v) for v in by_article.values())
    brand = sum(len(v) for v in mentions.values())
    lines = [f"Title: {title}", f"Date: {today.isoformat()} 08:00", "Category: Écoute",
             "Tags: échos, communauté", f"Slug: {slug}",
             f"Summary: Ce que la communauté a dit cette semaine\u00a0: {reactions} réaction{'s' if reactions > 1 else ''} "
             f"aux articles, {brand} mention{'s' if brand > 1 else ''} de la marque.",
             "Status: draft", "",
             # A Markdown comment: a link definition that nothing refers to, never in any output.
             "[//]: # (Pour l’autrice, jamais affiché sur le site ni dans la lettre\u00a0: relisez, complétez, puis "
             "retirez la ligne «\u202fStatus: draft\u202f» pour publier. Tant que ce fichier reste tel "
             "qu’«\u202finvoke digest\u202f» l’a écrit, le relancer la même semaine le remplace\u202f; modifié, il "
             f"est gardé. {_BLANK_FINGERPRINT})", "",
             "Chaque semaine, ce que vous avez écrit ailleurs à propos de ces textes.", ""]
    if by_article:
        lines += ["## Réactions aux articles", ""]
        for article_slug, items in sorted(by_article.items(), key=lambda kv: articles[kv[0]][0]):
            title_text, source_path = articles[article_slug]
            lines += [f"### [{md_text(title_text)}]({{filename}}/{source_path})", ""]
            lines += [_line(_item(entry)) for entry in items] + [""]
    if mentions:
        lines += ["## On parle de nous", ""]
        for source, items in sorted(mentions.items()):
            lines += [f"### {md_text(source)}", ""] + [_line(_item(entry)) for entry in items] + [""]
    if not by_article and not mentions:
        lines += ["Rien de neuf cette semaine dans les sources suivies.", ""]
    text = "\n".join(lines)
    text = text.replace(_BLANK_FINGERPRINT, f"Empreinte\u00a0: {_fingerprint(text)}")
    path = content / "articles" / f"{slug}.md"
    if path.exists():
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = ""
        if not re.search(r"(?im)^status:\s*draft\s*$", current.split("\n\n", 1)[0]):
            raise DigestError(f"{path.name} est déjà publié (plus de «\u202fStatus: draft\u202f»)\u00a0: il n’est pas "
                              "réécrit\u202f; modifiez-le à la main")
        if not _untouched(current):
            raise DigestError(f"{path.name} a été modifié depuis qu’«\u202finvoke digest\u202f» l’a écrit\u00a0: il "
                              "n’est pas remplacé\u202f; renommez-le ou supprimez-le pour en écrire un nouveau")
    write_atomic(path, text)  # the same week again replaces the untouched draft: no second digest
    return DigestResult(path, reactions, brand)


def _read_data(path: Path) -> dict:
    if not path.exists():
        return {}
    shown = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DigestError(f"{shown} n’est pas en UTF-8\u00a0: il n’est pas remplacé\u202f; corrigez-le ou "
                          "renommez-le, puis relancez «\u202finvoke digest\u202f»") from None
    except json.JSONDecodeError as error:
        raise DigestError(f"{shown} est illisible (JSON mal formé, ligne {error.lineno}, colonne {error.colno})\u00a0: "
                          "il n’est pas remplacé\u202f; corrigez-le ou renommez-le, puis relancez "
                          "«\u202finvoke digest\u202f»") from None
    except (OSError, ValueError, RecursionError):
        raise DigestError(f"{shown} est illisible\u00a0: il n’est pas remplacé\u202f; corrigez-le ou renommez-le, "
                          "puis relancez «\u202finvoke digest\u202f»") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise DigestError(f"{shown} n’a pas la forme attendue ({{\"adresse-de-l-article\": [échos…]}})\u00a0: il "
                          "n’est pas remplacé\u202f; corrigez-le ou renommez-le, puis relancez «\u202finvoke digest\u202f»")
    return data


def _identity(item) -> tuple:
    if not isinstance(item, dict):
        return ("?", json.dumps(item, sort_keys=True, ensure_ascii=False))
    link = canonical_link(item.get("link")) if isinstance(item.get("link"), str) else None
    if link:
        return ("link", link)
    return ("text", str(item.get("author")), str(item.get("title")), str(item.get("excerpt")))


def _newest_first(item) -> tuple:
    found = moment(item.get("date")) if isinstance(item, dict) else None
    return (found is None, -(found.timestamp() if found else 0))


def write_data(store: Store, articles: dict[str, tuple[str, str]], content: Path,
               name: str = DATA_FILE) -> DataResult:
    """Merge the stored reactions into content/echos.json ({slug: [latest reactions]},
    plain text and http(s) links only), keeping what the file already holds."""
    path = content / name
    data = _read_data(path)
    by_article, _ = once_per_link(store.entries(), articles)
    merged = {slug: list(items) for slug, items in data.items()}
    new: dict[str, set] = {}
    for slug, entries in by_article.items():
        items = merged.get(slug, [])
        known = {_identity(item) for item in items}
        for entry in entries:
            if entry.week is None:
                continue  # a first fetch's undated back catalogue: not an echo of this week
            item = _item(entry) | {"link": http_url(entry.link)}
            if _identity(item) not in known:
                known.add(_identity(item))
                items.append(item)
                new.setdefault(slug, set()).add(_identity(item))
        if slug in new:
            merged[slug] = sorted(items, key=_newest_first)[:PER_ARTICLE]
    added = sum(1 for slug, ids in new.items() for item in merged[slug] if _identity(item) in ids)
    before = sum(len(v) for v in data.values())
    if not added and path.exists():  # nothing new (or only older than what is shown): left as it is
        return DataResult(path, 0, before, 0, False)
    total = sum(len(v) for v in merged.values())
    write_atomic(path, json.dumps(merged, ensure_ascii=False, indent=1) + "\n")
    return DataResult(path, added, total - added, before + sum(len(i) for i in new.values()) - total, True)

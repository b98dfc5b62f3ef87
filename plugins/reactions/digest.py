"""The weekly digest: an ordinary French article in content/, and the data file
the build reads for « Ils en parlent » under each article.

Feed text is untrusted: excerpts are plain text, escaped for Markdown and HTML
before they are written into the article; links are http(s) only.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from urllib.parse import quote

from longform.dates import date_fr
from publishing.files import write_atomic

from .store import Store, now

DATA_FILE = "echos.json"


class DigestError(Exception):
    """The digest cannot be written; French message."""
PER_ARTICLE = 10
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_text(text: str) -> str:
    """Plain text safe inside Markdown: no markup, no raw HTML."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text or "", quote=False))


def md_url(url: str) -> str:
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")  # parentheses and spaces encoded


def _item(entry: dict) -> dict:
    date = entry.get("week") or entry.get("published") or entry.get("first_seen")
    return {"author": entry.get("author") or entry["source_name"], "source": entry["source_name"],
            "date": date, "title": entry.get("title") or "", "excerpt": entry.get("excerpt") or "",
            "link": entry.get("link")}


def _line(item: dict) -> str:
    when = date_fr(dt.datetime.fromisoformat(item["date"])) if item["date"] else ""
    who = md_text(item["author"])
    where = md_text(item["source"]) if item["source"] != item["author"] else ""
    head = f"**{who}**" + (f" ({where})" if where else "") + (f", {when}" if when else "")
    title = f" *{md_text(item['title'])}*" if item["title"] and item["excerpt"] else ""
    quote_text = md_text(item["excerpt"] or item["title"])
    link = f" [Lire]({md_url(item['link'])})" if item["link"] else ""
    return f"- {head} :{title} « {quote_text} »{link}"


def write_digest(store: Store, articles: dict[str, str], content: Path, since: dt.timedelta,
                 today: dt.date | None = None) -> tuple[Path, int, int]:
    """articles: {slug: (title, source path relative to content/)}. Returns (path, reactions, mentions)."""
    today = today or now().date()
    monday = today - dt.timedelta(days=today.weekday())
    entries = store.entries(since=now() - since)
    by_article: dict[str, list[dict]] = {}
    mentions: dict[str, list[dict]] = {}
    for entry in entries:
        if not entry["link"]:
            continue
        known = [slug for slug in entry["articles"] if slug in articles]
        for slug in known:
            by_article.setdefault(slug, []).append(_item(entry))
        if not known and entry["keywords"]:
            mentions.setdefault(entry["source_name"], []).append(_item(entry))
    title = f"Échos de la communauté — semaine du {date_fr(monday)}"
    slug = f"echos-de-la-communaute-{monday.isoformat()}"
    reactions = sum(len(v) for v in by_article.values())
    brand = sum(len(v) for v in mentions.values())
    lines = [f"Title: {title}", f"Date: {today.isoformat()} 08:00", "Category: Écoute",
             "Tags: échos, communauté", f"Slug: {slug}",
             f"Summary: Ce que la communauté a dit cette semaine : {reactions} réaction{'s' if reactions > 1 else ''} "
             f"aux articles, {brand} mention{'s' if brand > 1 else ''} de la marque.",
             "Status: draft", "", "Chaque semaine, ce que vous avez écrit ailleurs à propos de ces textes. "
             "Relisez, complétez, puis retirez « Status: draft » pour publier.", ""]
    if by_article:
        lines += ["## Réactions aux articles", ""]
        for article_slug, items in sorted(by_article.items(), key=lambda kv: articles[kv[0]][0]):
            title_text, source_path = articles[article_slug]
            lines += [f"### [{md_text(title_text)}]({{filename}}/{source_path})", ""]
            lines += [_line(item) for item in items] + [""]
    if mentions:
        lines += ["## On parle de nous", ""]
        for source, items in sorted(mentions.items()):
            lines += [f"### {md_text(source)}", ""] + [_line(item) for item in items] + [""]
    if not by_article and not mentions:
        lines += ["Rien de neuf cette semaine dans les sources suivies.", ""]
    path = content / "articles" / f"{slug}.md"
    if path.exists() and not re.search(r"(?im)^status:\s*draft\s*$", path.read_text(encoding="utf-8").split("\n\n", 1)[0]):
        raise DigestError(f"{path.name} est déjà publié (plus de « Status: draft ») : il n’est pas réécrit ; "
                          "modifiez-le à la main")
    write_atomic(path, "\n".join(lines))  # the same week again replaces the draft: no second digest
    return path, reactions, brand


def write_data(store: Store, articles: dict[str, str], content: Path) -> Path:
    """{slug: [latest reactions]} for « Ils en parlent »; plain text and http(s) links only.
    `articles` as for write_digest."""
    data: dict[str, list[dict]] = {}
    for entry in reversed(store.entries()):
        if not entry["link"] or entry["week"] is None:
            continue
        for slug in entry["articles"]:
            if slug in articles and len(data.setdefault(slug, [])) < PER_ARTICLE:
                data[slug].append(_item(entry))
    path = content / DATA_FILE
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
    return path

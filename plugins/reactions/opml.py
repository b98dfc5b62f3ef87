"""reactions/sources.opml: the sources, in the feed readers' exchange format.

Each source is an <outline type="rss" text="name" xmlUrl="…" htmlUrl="…"
category="blog|mastodon|forum|webmentions|other">.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from shared import write_atomic

KINDS = ("blog", "mastodon", "forum", "webmentions", "other")


class OpmlError(ValueError):
    """The OPML file is wrong; French message naming the file (and the outline)."""


@dataclass(frozen=True)
class Feed:
    url: str
    name: str
    kind: str
    html_url: str | None = None


def address(url: str) -> str:
    """A feed address as one string per address: scheme and host in lower case,
    no default port, no fragment (the rest is the server's business)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host += f":{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit((scheme, (userinfo + "@" if userinfo else "") + host, parts.path or "/", parts.query, ""))


def _os_problem(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, PermissionError):
        return "lecture refusée\u00a0: droits insuffisants"
    if isinstance(error, IsADirectoryError):
        return "c’est un dossier, pas un fichier"
    return f"lecture impossible (erreur système n°\u00a0{error.errno})" if error.errno else "lecture impossible"


def read(path: Path) -> list[Feed]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise OpmlError(f"{path}\u00a0: OPML illisible (XML mal formé, ligne {line}, colonne {column})") from None
    except OSError as error:
        raise OpmlError(f"{path}\u00a0: OPML illisible ({_os_problem(error)})") from None
    feeds, seen = [], set()
    for number, outline in enumerate(root.iter("outline"), start=1):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue  # a folder of outlines
        if not url.lower().startswith(("http://", "https://")):
            raise OpmlError(f"{path}\u00a0: source n°\u00a0{number}\u00a0: adresse «\u202f{url}\u202f» invalide "
                            "(http ou https)")
        kind = (outline.get("category") or "other").strip().lower()
        if kind not in KINDS:
            raise OpmlError(f"{path}\u00a0: source n°\u00a0{number} ({url})\u00a0: genre «\u202f{kind}\u202f» inconnu "
                            f"(genres\u00a0: {', '.join(KINDS)})")
        if address(url) in seen:
            continue
        seen.add(address(url))
        name = (outline.get("text") or outline.get("title") or url).strip()
        feeds.append(Feed(url, name, kind, (outline.get("htmlUrl") or "").strip() or None))
    return feeds


def write(path: Path, feeds: list[Feed], title: str = "Sources de Nénufar") -> None:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in sorted(feeds, key=lambda f: (f.kind, f.name.casefold())):
        attributes = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url, "category": feed.kind}
        if feed.html_url:
            attributes["htmlUrl"] = feed.html_url
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    write_atomic(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))


@dataclass(frozen=True)
class Merged:
    feeds: tuple[Feed, ...]  # the list to write: the current sources, then the new ones
    added: tuple[Feed, ...]


def merge(current: list[Feed], incoming: list[Feed]) -> Merged:
    """The sources of another reader's OPML added to ours: an address already
    followed (written another way: case, default port, trailing slash) is kept as ours."""
    known = {address(feed.url) for feed in current}
    added = []
    for feed in incoming:
        if address(feed.url) not in known:
            known.add(address(feed.url))
            added.append(feed)
    return Merged(tuple(current) + tuple(added), tuple(added))

"""Feed bytes to entries: feedparser for RSS and Atom, json and a schema for JSON Feed and jf2.

`parse` returns a `Parsed` value or raises `ParseError` (French message), and
nothing else: whatever the bytes, the types and the values.

Feed text is untrusted. feedparser's own sanitiser is turned off (it is half of
its time); what is kept is plain text made by nh3 with no tags allowed, and
http(s) links only. Every field is bounded in characters, a feed in entries,
and dates are timezone-aware (UTC) within a plausible range.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import nh3

from . import schema

EXCERPT = 300
# Characters kept per field: what is stored and matched, whatever a feed sends.
FIELD_LIMITS = {"title": 300, "author": 200, "guid": 1000, "link": 2048, "text": 20_000, "html": 200_000}
MAX_LINKS = 100  # links kept per entry (for matching)
MAX_ENTRIES = 200
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)  # before the web's first feeds: a wrong date
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.I)
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # no address has these once stripped
_HTML_PAGE = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
# Block elements and line breaks: a word boundary in the text they make.
_BLOCK = re.compile(r"<(?=/?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|table|tr|td|th|thead|tbody|"
                    r"section|article|header|footer|aside|nav|figure|figcaption|hr|main|address|details|"
                    r"summary)[\s/>])", re.I)


class ParseError(ValueError):
    """The feed cannot be read at all; French message."""


@dataclass(frozen=True)
class Entry:
    guid: str | None
    link: str | None  # absolute, http(s)
    title: str  # plain text
    author: str  # plain text
    published: dt.datetime | None  # UTC, between EARLIEST and tomorrow
    text: str  # plain text, for matching
    excerpt: str  # plain text, at most EXCERPT characters, cut between words
    links: tuple[str, ...]  # absolute http(s) links found in the entry's HTML


@dataclass(frozen=True)
class Parsed:
    entries: tuple[Entry, ...]
    notes: tuple[str, ...] = ()  # French: what was left out and why


def _bound(text: str, field: str) -> str:
    limit = FIELD_LIMITS[field]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(fragment: str, limit: int | None = None) -> str:
    """Plain text of an HTML fragment: tags gone, entities decoded, one space
    between blocks and at line breaks, spaces collapsed."""
    fragment = (fragment or "")[: FIELD_LIMITS["html"]]
    text = html.unescape(nh3.clean(_BLOCK.sub(" <", fragment), tags=set()))
    text = _SPACES.sub(" ", text).strip()
    return text if limit is None or len(text) <= limit else text[:limit]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def http_url(url, base: str = "") -> str | None:
    """An absolute http(s) address with a host, or None (never an exception)."""
    if not isinstance(url, str) or not url.strip() or len(url) > FIELD_LIMITS["link"]:
        return None
    try:
        url = urljoin(base, url.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:  # an unbalanced IPv6 bracket, a port « abc »
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if _CONTROL.search(url) or len(url) > FIELD_LIMITS["link"]:
        return None
    return url


def bounded_date(moment: dt.datetime | None) -> dt.datetime | None:
    """UTC, or None when missing or outside [1990, tomorrow]. Naive means UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        moment = moment.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        return None
    if not EARLIEST <= moment <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1):
        return None
    return moment.replace(microsecond=0)


def _struct_date(struct) -> dt.datetime | None:
    if not struct:
        return None
    try:
        return bounded_date(dt.datetime.fromtimestamp(calendar.timegm(struct), dt.timezone.utc))
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def _iso_date(value) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return bounded_date(dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _entry(guid, link, title, author, published, body: str, base: str) -> Entry | None:
    link = http_url(link, base)
    text = plain(body, FIELD_LIMITS["text"])
    title = _bound(plain(title or ""), "title")
    guid = (guid or "").strip() or None
    if not (guid or link or title or text):
        return None
    links = []
    for href in _HREF.findall(body[: FIELD_LIMITS["html"]]):
        found = http_url(html.unescape(href), link or base)
        if found and found not in links:
            links.append(found)
            if len(links) >= MAX_LINKS:
                break
    return Entry(guid=_bound(guid, "guid") if guid else None, link=link, title=title,
                 author=_bound(plain(author or ""), "author"), published=published, text=text,
                 excerpt=excerpt(text), links=tuple(links))


def _skipped_note(skipped: list[str], total: int) -> tuple[str, ...]:
    if not skipped:
        return ()
    count = len(skipped)
    return (f"{count} entrée{'s' if count > 1 else ''} sur {total} ignorée{'s' if count > 1 else ''}, "
            f"de forme inattendue ({skipped[0]})",)


def _json(data: bytes, base: str, max_entries: int) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"JSON illisible\u00a0: le texte n’est pas en UTF-8 (octet n°\u00a0{error.start + 1})") from None
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"JSON mal formé (ligne {error.lineno}, colonne {error.colno})") from None
    except RecursionError:
        raise ParseError("JSON illisible\u00a0: imbrication trop profonde") from None
    except ValueError:
        raise ParseError("JSON illisible\u00a0: une valeur dépasse les limites (nombre trop long)") from None
    jf2 = isinstance(feed, dict) and "children" in feed
    problem = schema.check("jf2" if jf2 else "json_feed", feed)
    if problem:
        raise ParseError(f"{'jf2' if jf2 else 'JSON Feed'} de forme inattendue\u00a0: {problem}")
    raw = feed["children" if jf2 else "items"] or []
    entries, skipped = [], []
    for index, item in enumerate(raw[:max_entries]):
        problem = schema.check("jf2_item" if jf2 else "json_feed_item", item,
                               f"{'children' if jf2 else 'items'}[{index}]")
        if problem:
            skipped.append(problem)
            continue
        entry = _jf2_entry(item, base) if jf2 else _json_feed_entry(item, base)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), _skipped_note(skipped, min(len(raw), max_entries)) + _more(len(raw), max_entries))


def _json_feed_entry(item: dict, base: str) -> Entry | None:
    body = item.get("content_html") or html.escape(item.get("content_text") or "") or item.get("summary") or ""
    if item.get("external_url"):  # a link-blog item: the page it is about counts as a link
        body += f' <a href="{html.escape(item["external_url"])}"></a>'
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    guid = item.get("id")
    return _entry(None if guid is None else str(guid), item.get("url"),
                  item.get("title"), (authors[0].get("name") if authors else None),
                  _iso_date(item.get("date_published")) or _iso_date(item.get("date_modified")), body, base)


def _jf2_entry(child: dict, base: str) -> Entry | None:
    """A webmention endpoint's jf2 export (webmention.io): the target counts as a link."""
    content = child.get("content") or {}
    body = content.get("html") or html.escape(content.get("text") or "")
    target = child.get("wm-target") or ""
    if target:
        body += f' <a href="{html.escape(target)}"></a>'
    guid = child.get("wm-id")
    author = child.get("author") or {}
    return _entry(None if guid is None else str(guid), child.get("url"), child.get("name"), author.get("name"),
                  _iso_date(child.get("published")) or _iso_date(child.get("wm-received")), body, base)


def _more(total: int, max_entries: int) -> tuple[str, ...]:
    if total <= max_entries:
        return ()
    return (f"{total} entrées dans le flux\u00a0: seules les {max_entries} premières sont lues",)


def _xml_problem(parsed) -> str:
    error = parsed.get("bozo_exception")
    line = getattr(error, "getLineNumber", None)
    if callable(line):
        try:
            return f"XML mal formé (ligne {error.getLineNumber()}, colonne {error.getColumnNumber()})"
        except Exception:  # noqa: BLE001 - a position is a nicety; the message stands without it
            return "XML mal formé"
    return "ce n’est pas un flux RSS, Atom ni JSON Feed"


def _feed(data: bytes, url: str, content_type: str, max_entries: int) -> Parsed:
    import feedparser  # in the parsing processes only: the fetching process never pays its import

    try:
        parsed = feedparser.parse(data, response_headers={"content-type": content_type or "application/xml",
                                                          "content-location": url},
                                  sanitize_html=False, resolve_relative_uris=False)  # links resolved below
    except RecursionError:
        raise ParseError("flux illisible\u00a0: imbrication trop profonde") from None
    except Exception:  # noqa: BLE001 - feedparser is a black box fed by strangers (it raises on some bytes)
        raise ParseError("flux illisible\u00a0: le lecteur de flux n’a pas pu le lire") from None
    raw = parsed.get("entries") or []
    if not raw:
        if _HTML_PAGE.match(data[:512]):
            raise ParseError("c’est une page web, pas un flux (son adresse de flux est peut-être indiquée dans la page)")
        if parsed.get("bozo"):
            raise ParseError(f"flux illisible\u00a0: {_xml_problem(parsed)}")
        if not parsed.get("version"):
            raise ParseError("flux illisible\u00a0: ce n’est pas un flux RSS, Atom ni JSON Feed")
    entries = []
    for item in raw[:max_entries]:
        contents = item.get("content") or []
        body = " ".join(c.get("value") or "" for c in contents if hasattr(c, "get")) or item.get("summary") or ""
        entry = _entry(item.get("id"), item.get("link"), item.get("title"), item.get("author"),
                       _struct_date(dict.get(item, "published_parsed") or dict.get(item, "updated_parsed")), str(body), url)
        if entry is not None:
            entries.append(entry)
    return Parsed(tuple(entries), _more(len(raw), max_entries))


def is_json(data: bytes, content_type: str) -> bool:
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        return True
    return start != b"<" and "json" in (content_type or "").lower()


def parse(data: bytes, url: str, content_type: str = "", max_entries: int = MAX_ENTRIES) -> Parsed:
    """The entries of a feed (at most `max_entries`, the first ones), or ParseError."""
    if not data.strip():
        raise ParseError("réponse vide\u00a0: aucun flux")
    if is_json(data, content_type):
        return _json(data, url, max_entries)
    return _feed(data, url, content_type, max_entries)

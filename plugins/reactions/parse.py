"""Feed bytes to entries: feedparser for RSS and Atom, json for JSON Feed.

Feed text is untrusted. feedparser's own sanitiser is turned off (it is half of
its time); what is kept is plain text made by nh3 with no tags allowed, and
http(s) links only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import re
from urllib.parse import urljoin

import feedparser
import nh3

EXCERPT = 300
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.I)
_SPACES = re.compile(r"\s+")


def plain(fragment: str) -> str:
    text = html.unescape(nh3.clean(fragment or "", tags=set()))
    return _SPACES.sub(" ", text).strip()


def excerpt(text: str, limit: int = EXCERPT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def http_url(url: str | None, base: str = "") -> str | None:
    if not url:
        return None
    url = urljoin(base, url.strip())
    return url if re.match(r"^https?://", url, re.I) else None


def _date(struct) -> dt.datetime | None:
    if not struct:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(struct), dt.timezone.utc)


def _jf2(feed: dict, base: str) -> list[dict]:
    """A webmention endpoint's jf2 export (webmention.io): the target counts as a link."""
    items = []
    for child in feed.get("children") or []:
        if not isinstance(child, dict):
            continue
        content = child.get("content") if isinstance(child.get("content"), dict) else {}
        body = content.get("html") or html.escape(content.get("text") or "")
        target = child.get("wm-target") or ""
        if target:
            body += f' <a href="{html.escape(target)}"></a>'
        try:
            published = dt.datetime.fromisoformat(str(child.get("published") or child.get("wm-received"))
                                                  .replace("Z", "+00:00"))
        except ValueError:
            published = None
        author = child.get("author") if isinstance(child.get("author"), dict) else {}
        items.append({"guid": str(child.get("wm-id") or child.get("url") or "") or None,
                      "link": http_url(child.get("url"), base), "title": plain(child.get("name") or ""),
                      "author": plain(author.get("name") or ""), "published": published, "html": body})
    return items


def _json_feed(data: bytes, base: str) -> list[dict]:
    feed = json.loads(data.decode("utf-8"))
    if isinstance(feed, dict) and "children" in feed:
        return _jf2(feed, base)
    items = []
    for item in feed.get("items") or []:
        if not isinstance(item, dict):
            continue
        body = item.get("content_html") or html.escape(item.get("content_text") or "") or item.get("summary") or ""
        try:
            published = dt.datetime.fromisoformat(str(item.get("date_published")).replace("Z", "+00:00"))
        except ValueError:
            published = None
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        items.append({"guid": str(item.get("id") or "") or None, "link": http_url(item.get("url"), base),
                      "title": plain(item.get("title") or ""), "author": plain((authors[0] or {}).get("name", "")
                                                                              if authors else ""),
                      "published": published, "html": body})
    return items


def is_json_feed(data: bytes, content_type: str) -> bool:
    return "json" in content_type or data.lstrip()[:1] == b"{"


def parse(data: bytes, url: str, content_type: str = "") -> tuple[list[dict], str | None]:
    """Entries, and a French problem when the feed could not be read at all."""
    if is_json_feed(data, content_type):
        try:
            raw = _json_feed(data, url)
        except (ValueError, UnicodeDecodeError) as error:
            return [], f"JSON Feed illisible ({error})"
    else:
        parsed = feedparser.parse(data, response_headers={"content-type": content_type or "application/xml",
                                                          "content-location": url},
                                  sanitize_html=False, resolve_relative_uris=False)  # links resolved below
        if parsed.bozo and not parsed.entries:
            return [], f"flux illisible ({type(parsed.bozo_exception).__name__} : {parsed.bozo_exception})"
        raw = []
        for entry in parsed.entries:
            body = " ".join(c.get("value", "") for c in entry.get("content", []) or []) or entry.get("summary", "")
            raw.append({"guid": entry.get("id") or None, "link": http_url(entry.get("link"), url),
                        "title": plain(entry.get("title", "")), "author": plain(entry.get("author", "")),
                        "published": _date(entry.get("published_parsed") or entry.get("updated_parsed")),
                        "html": body})
    entries = []
    for item in raw:
        links = [u for u in (http_url(h, item["link"] or url) for h in _HREF.findall(item["html"] or "")) if u]
        text = plain(item["html"])
        entries.append({**item, "text": text, "excerpt": excerpt(text), "links": links})
    return entries, None

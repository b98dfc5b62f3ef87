"""Is an entry a reaction to an article, or a mention of the brand?"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|igshid|_hsenc|_hsmi|mkt_tok)$", re.I)


def normal_url(url: str) -> str:
    """Same page, same string: no scheme, no www., no trailing slash, no tracking
    parameters or fragment, accents percent-encoded one way."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~").rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("", host + (f":{parts.port}" if parts.port else ""), path, query, ""))


_NOT_WORD = re.compile(r"[^a-z0-9#]+")


def fold(text: str) -> str:
    """Accents, case and punctuation aside, words padded by spaces (fast: this runs
    on every entry's text). Letters without an ASCII base (œ) drop out on both sides."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " " + _NOT_WORD.sub(" ", text).strip() + " "


class Matcher:
    @staticmethod
    def folded(entry: dict) -> str:
        return fold(f"{entry.get('title', '')} {entry.get('text', '')}")

    def __init__(self, articles: list[dict], keywords: list[str]):
        """articles: [{"slug", "title", "url"}] with absolute URLs."""
        self.by_url = {normal_url(a["url"]): a["slug"] for a in articles}
        self.titles = [(fold(a["title"]), a["slug"]) for a in articles if len(fold(a["title"]).split()) >= 2]
        self.keywords = [(fold(k), k) for k in keywords if k.strip()]

    def articles(self, entry: dict, folded: str | None = None) -> list[str]:
        found = []
        for link in entry.get("links", []):
            slug = self.by_url.get(normal_url(link))
            if slug and slug not in found:
                found.append(slug)
        text = folded or self.folded(entry)
        for title, slug in self.titles:
            if title in text and slug not in found:
                found.append(slug)
        return found

    def mentions(self, entry: dict, folded: str | None = None) -> list[str]:
        text = folded or self.folded(entry)
        return [original for folded, original in self.keywords if folded in text]

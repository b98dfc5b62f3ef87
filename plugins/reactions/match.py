"""Is an entry a reaction to an article, or a mention of the brand?

Matching as a reader would: « L’avenir », « L'avenir » and « L avenir » are the
same words; accents, case, quotes, dashes and every kind of space aside.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from publishing import ArticleRef

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|igshid|_hsenc|_hsmi|mkt_tok)$", re.I)


@functools.lru_cache(maxsize=65536)  # the same pages are linked again and again
def normal_url(url: str) -> str | None:
    """Same page, same string: no scheme, no www., no trailing slash, no tracking
    parameters or fragment, accents percent-encoded one way. None for an address
    that is not one (a port that is not a number, an unbalanced bracket)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    if port in ({"http": 80, "https": 443}.get(parts.scheme.lower()), None):
        port = None
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~").rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("", host + (f":{port}" if port else ""), path, query, ""))


def canonical_link(url: str | None) -> str | None:
    """The key under which one entry counts once, whichever source brought it."""
    return normal_url(url) if url else None


# Apostrophes (’ ' ʼ), quotes (« » “ ” "), dashes (– — ‑), every space (U+00A0, U+202F…)
# and the rest of punctuation separate words. Accents are decomposed and their marks
# dropped; every other character without an ASCII form becomes a separator, never
# nothing: no character can vanish and glue two words together (« l’avenir » is
# « l avenir », never « lavenir »). Ligatures are spelt out first.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NOT_WORD = re.compile(r"[^a-z0-9#]+")


def fold(text: str) -> str:
    """Words of `text` without accents, case or punctuation, padded by spaces
    (fast: this runs on every entry's text, all in C)."""
    text = text or ""
    if "œ" in text or "æ" in text or "ß" in text or "Œ" in text or "Æ" in text:
        text = text.translate(_LIGATURES)
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text)).encode("ascii", "replace").decode().lower()
    return " " + _NOT_WORD.sub(" ", text).strip() + " "


class Matcher:
    @staticmethod
    def folded(entry) -> str:
        return fold(f"{entry.title} {entry.text}")

    def __init__(self, articles: list[ArticleRef], keywords: list[str]):
        """articles: publishing's index of the site (absolute URLs)."""
        self.by_url = {key: a.slug for a in articles if (key := normal_url(a.url))}
        self.titles = [(fold(a.title), a.slug) for a in articles if len(fold(a.title).split()) >= 2]
        self.keywords = [(fold(k), k) for k in keywords if k.strip() and fold(k).strip()]

    def articles(self, entry, folded: str | None = None) -> list[str]:
        found = []
        for link in entry.links:
            slug = self.by_url.get(normal_url(link))
            if slug and slug not in found:
                found.append(slug)
        text = folded or self.folded(entry)
        for title, slug in self.titles:
            if title in text and slug not in found:
                found.append(slug)
        return found

    def mentions(self, entry, folded: str | None = None) -> list[str]:
        text = folded or self.folded(entry)
        return [original for folded, original in self.keywords if folded in text]

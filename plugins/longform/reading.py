"""Word counts, reading time and table of contents from rendered HTML."""

from __future__ import annotations

import html
import re

_TAGS = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w[\w’'-]*")
_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def plain_text(fragment: str) -> str:
    return html.unescape(_TAGS.sub(" ", fragment or ""))


def word_count(fragment: str) -> int:
    """Words as a reader counts them: "l’avenir" and "peut-être" are one each."""
    return len(_WORD.findall(plain_text(fragment)))


def reading_minutes(words: int, wpm: int) -> int:
    return max(1, round(words / wpm))


def reading_label(minutes: int) -> str:
    return f"{minutes}\u00a0min de lecture"


def table_of_contents(fragment: str) -> list[dict]:
    """Level-2 headings, each with its level-3 children: [{id, title, children}]."""
    toc: list[dict] = []
    for level, anchor, inner in _HEADING.findall(fragment or ""):
        title = _TAGS.sub("", _PERMALINK.sub("", inner)).strip()
        entry = {"id": anchor, "title": title, "children": []}
        if level == "3" and toc:
            toc[-1]["children"].append(entry)
        else:
            toc.append(entry)
    return toc

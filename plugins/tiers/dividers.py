"""Where a Markdown source changes tier: its divider lines, found before any
Markdown runs, and every comment that looks like a divider but is not one.

A divider is a line of its own, `<!-- tier: abonnes -->`, outside fenced
code (found with Python-Markdown's own fence pattern, so both agree on what
is code). Any other HTML comment that mentions a tier (`tier`, `tiers`,
`palier`) is refused: an invisible near miss would publish what follows it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.extensions.fenced_code import FencedBlockPreprocessor

EXPECTED = "<!-- tier: abonnes -->"  # the form named in error messages
_DIVIDER = re.compile(r"^ {0,3}<!--[ \t]*tier[ \t]*:[ \t]*([^\s>]+?)[ \t]*-->[ \t]*$", re.I)
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_MENTION = re.compile(r"\b(?:tiers?|paliers?)\b")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_FENCE = FencedBlockPreprocessor.FENCED_BLOCK_RE


def mentions_tier(comment_body: str) -> bool:
    """A comment that speaks of a tier: « tier », « tiers », « palier »."""
    folded = unicodedata.normalize("NFKD", comment_body.casefold())
    return bool(_MENTION.search("".join(c for c in folded if not unicodedata.combining(c))))


def fenced_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of fenced code blocks, as Python-Markdown finds them."""
    spans, index = [], 0
    while True:
        match = _FENCE.search(text, index)
        if not match:
            return spans
        if match.group("attrs"):
            _, remainder = get_attrs_and_remainder(match.group("attrs"))
            if remainder:  # not a fence for Python-Markdown either
                index = match.end("attrs")
                continue
        spans.append(match.span())
        index = match.end()


@dataclass(frozen=True)
class Divider:
    line: int  # 1-based
    tier: str  # as written, lowercased


@dataclass(frozen=True)
class NearMiss:
    line: int
    text: str  # the comment, shortened


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def scan(text: str, fences: bool = True) -> tuple[list[Divider], list[NearMiss]]:
    """Dividers and near misses of a Markdown text (after Pelican read it)."""
    if "<!--" not in text:
        # Neither a divider nor any comment (masking code spans only removes
        # text): most texts, spared the scans for fences, lines and code spans.
        return [], []
    code = fenced_spans(text) if fences else []
    starts = _line_starts(text)
    dividers, misses = [], []

    def in_code(position: int) -> bool:
        return any(start <= position < end for start, end in code)

    divider_at = set()
    for number, start in enumerate(starts, start=1):
        end = starts[number] - 1 if number < len(starts) else len(text)
        line = text[start:end]
        if "<!--" in line and not in_code(start):
            match = _DIVIDER.match(line)
            if match:
                dividers.append(Divider(number, match.group(1).lower()))
                divider_at.add(start)
    # Comments outside code, code spans and indented lines (indented code, or a
    # list's continuation: the check on the rendered parts catches the latter).
    masked = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    for comment in _COMMENT.finditer(masked):
        position = comment.start()
        line_start = text.rfind("\n", 0, position) + 1
        if line_start in divider_at or in_code(position) or not mentions_tier(comment.group(1)):
            continue
        indent = text[line_start:position]
        if not indent.strip() and len(indent.expandtabs(4)) >= 4:
            continue
        number = text.count("\n", 0, position) + 1
        misses.append(NearMiss(number, _short(text[position:comment.end()])))
    return dividers, misses


def _short(comment: str) -> str:
    comment = " ".join(comment.split())
    return comment if len(comment) <= 60 else comment[:57] + "…"


def comments_mentioning_tiers(html: str) -> list[str]:
    """Comments left in rendered HTML that speak of a tier: dividers Markdown
    kept as comments where the source scan saw none (the last safety net)."""
    return [_short(m.group(0)) for m in _COMMENT.finditer(html) if mentions_tier(m.group(1))]

"""The tier split of one text, computed once when the file is read.

Dividers are HTML comments, `<!-- tier: abonnes -->`, on a line of their own.
The split works on the rendered HTML: Markdown has already turned a divider
inside a code block into escaped text, so only real dividers remain as
comments. Every later use (public page, private feeds, sealed blocks, email
editions, audit) reads the same `TierSplit`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ladder import Ladder

DIVIDER = re.compile(r"<!--\s*tier\s*:\s*([^\s>]*)\s*-->", re.I)
_SOURCE_DIVIDER = re.compile(r"^\s{0,3}<!--\s*tier\s*:\s*([^\s>]*)\s*-->\s*$", re.I)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@dataclass(frozen=True)
class Part:
    tier: str  # a tier id from the ladder
    html: str
    words: int


@dataclass(frozen=True)
class TierSplit:
    public_id: str
    parts: tuple[Part, ...]  # reading order; depth never decreases

    @property
    def public_html(self) -> str:
        return "".join(p.html for p in self.parts if p.tier == self.public_id)

    @property
    def gated(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.tier != self.public_id)

    @property
    def withheld_words(self) -> int:
        return sum(p.words for p in self.gated)

    def up_to(self, ladder: Ladder, tier_id: str) -> str:
        """Everything a member of `tier_id` reads, in order."""
        rank = ladder.get(tier_id).rank
        return "".join(p.html for p in self.parts if ladder.get(p.tier).rank <= rank)


class TierError(ValueError):
    def __init__(self, message: str, divider: int | None):
        super().__init__(message)
        self.divider = divider  # index of the divider at fault; None: the Tier metadata


_TOKENS = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][\w-]*)(?:\s[^>]*?)?(/?)>", re.S)


def _dividers(html: str):
    """(start, end, nesting depth, tier name) of each divider comment."""
    depth = 0
    for token in _TOKENS.finditer(html):
        text = token.group(0)
        if text.startswith("<!--"):
            match = DIVIDER.fullmatch(text)
            if match:
                yield token.start(), token.end(), depth, match.group(1)
        elif token.group(2).lower() not in _VOID and not token.group(3):
            depth = max(0, depth - 1) if token.group(1) else depth + 1


_FOOTNOTES = re.compile(r'\n?<div class="footnote">\s*<hr\s*/?>\s*<ol>(.*?)</ol>\s*</div>\s*$', re.S)
_NOTE = re.compile(r'<li id="fn:([^"]+)">.*?</li>', re.S)
_NOTE_REF = re.compile(r'href="#fn:([^"]+)"')


def _with_own_notes(pieces: list[tuple[str, str]], notes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Footnotes come last in the HTML, so in the deepest part; give each note to
    the part that calls it, numbered as in the whole text (`<ol start>`)."""
    owner = {}
    for index, (_, chunk) in enumerate(pieces):
        for name in _NOTE_REF.findall(chunk):
            owner.setdefault(name, index)
    groups: dict[int, list[tuple[int, str]]] = {}
    for number, (name, item) in enumerate(notes, start=1):
        groups.setdefault(owner.get(name, len(pieces) - 1), []).append((number, item))
    result = []
    for index, (tier, chunk) in enumerate(pieces):
        if index in groups:
            first = groups[index][0][0]
            start = f' start="{first}"' if first > 1 else ""
            items = "\n".join(item for _, item in groups[index])
            chunk = f'{chunk.rstrip()}\n<div class="footnote">\n<hr />\n<ol{start}>\n{items}\n</ol>\n</div>\n'
        result.append((tier, chunk))
    return result


def split_html(html: str, ladder: Ladder, start: str | None, count_words) -> TierSplit:
    """Split rendered HTML at its dividers. `start` is the Tier metadata, if any."""
    current = ladder.public.id
    if start is not None:
        tier = ladder.get(start)
        if tier is None:
            raise TierError(f"palier inconnu « {start} » (paliers : {ladder.names()})", None)
        current = tier.id
    notes: list[tuple[str, str]] = []
    footnotes = _FOOTNOTES.search(html) if "<!--" in html else None
    if footnotes:
        notes = [(m.group(1), m.group(0)) for m in _NOTE.finditer(footnotes.group(1))]
        html = html[: footnotes.start()]
    pieces: list[tuple[str, str]] = []
    cursor = 0
    for index, (begin, end, depth, name) in enumerate(_dividers(html) if "<!--" in html else ()):
        tier = ladder.get(name.lower())
        if tier is None:
            raise TierError(f"séparateur vers un palier inconnu « {name} » (paliers : {ladder.names()})", index)
        if depth:
            raise TierError("un séparateur de palier doit être seul sur sa ligne, hors d’une liste "
                            "ou d’une citation", index)
        if tier.rank < ladder.get(current).rank:
            raise TierError(f"la profondeur ne peut que croître : « {tier.id} » après « {current} »", index)
        pieces.append((current, html[cursor:begin]))
        current, cursor = tier.id, end
    pieces.append((current, html[cursor:]))
    if notes:
        pieces = _with_own_notes(pieces, notes)
    parts: list[Part] = []
    for tier_id, chunk in pieces:
        if not chunk.strip():
            continue
        if parts and parts[-1].tier == tier_id:  # "abonnes" twice in a row is one part
            merged = parts.pop().html + chunk
            parts.append(Part(tier_id, merged, count_words(merged)))
        else:
            parts.append(Part(tier_id, chunk.strip("\n") + "\n", count_words(chunk)))
    return TierSplit(ladder.public.id, tuple(parts))


def divider_lines(source: str) -> list[int]:
    """1-based line numbers of the divider lines of a Markdown source, outside
    fenced code, in order: to name the line of a divider at fault."""
    lines, fence = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        elif _SOURCE_DIVIDER.match(line) or DIVIDER.search(line):
            lines.append(number)
    return lines


def metadata_line(source: str, key: str = "tier") -> int | None:
    for number, line in enumerate(source.splitlines(), start=1):
        if not line.strip():
            return None
        if line.lower().startswith(f"{key}:"):
            return number
    return None

"""The tier split of one text, computed once when the file is read.

The source is cut at its divider lines (dividers.py) before any Markdown
runs; each part is then rendered on its own (render.py), so nothing that
Markdown resolves over a whole document (table of contents, footnotes,
abbreviations, reference links) can carry a deeper part into a shallower
one. Every later use (public page, private feeds, sealed blocks, email
editions) reads the same `TierSplit`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .dividers import EXPECTED, scan
from .ladder import Ladder


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
        """Everything a member of `tier_id` reads, in order, with the notes of
        every part gathered at the end (a part's own notes would otherwise sit
        in the middle of the text, as if it ended there)."""
        rank = ladder.get(tier_id).rank
        return notes_last([p.html for p in self.parts if ladder.get(p.tier).rank <= rank])

    def map_html(self, change) -> TierSplit:
        """The same split with `change` applied to each part's HTML (typography)."""
        return replace(self, parts=tuple(replace(p, html=change(p.html)) for p in self.parts))


_NOTES_OPEN = '<div class="footnote">'


def _trailing_notes(html: str) -> tuple[str, str]:
    """(text, the <ol> lists of the footnote box that ends it) or (html, "")."""
    start = html.rfind(_NOTES_OPEN)
    if start < 0:
        return html, ""
    box = html[start:].rstrip()
    if not box.endswith("</div>") or box.count("<div") != box.count("</div>"):
        return html, ""  # not the last element (the author placed the notes elsewhere)
    inner = box[len(_NOTES_OPEN):-len("</div>")].strip()
    for rule in ("<hr />", "<hr>", "<hr/>"):
        inner = inner.removeprefix(rule)
    return html[:start].rstrip() + "\n", inner.strip()


def notes_last(parts: list[str]) -> str:
    """The parts joined, each one's trailing footnotes moved into one box at the
    end; the lists keep their `start`, so the numbers run on as in the text."""
    texts, lists = [], []
    for html in parts:
        text, notes = _trailing_notes(html)
        texts.append(text)
        if notes:
            lists.append(notes)
    if len(lists) < 2:
        return "".join(parts)
    return "".join(texts) + f'{_NOTES_OPEN}\n<hr />\n' + "\n".join(lists) + "\n</div>\n"


class TierError(ValueError):
    """A tier problem in a source file; `line` is 1-based, or None for the file."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class SourcePart:
    tier: str
    text: str
    line: int  # 1-based line of the source where the part's text starts


def cut(text: str, ladder: Ladder, start: str | None, start_line: int | None = None,
        fences: bool = True) -> list[SourcePart]:
    """Cut a Markdown source at its dividers, checking each one.

    `start` is the `Tier:` metadata (the tier of the text before any divider)
    and `start_line` the line it is on.
    """
    current = ladder.public.id
    if start is not None:
        tier = ladder.get(start)
        if tier is None:
            raise TierError(f"palier inconnu « {start} » (paliers : {ladder.names()})", start_line)
        current = tier.id
    dividers, misses = scan(text, fences)
    if misses:
        miss = misses[0]
        raise TierError(f"commentaire « {miss.text} » : un séparateur de palier s’écrit exactement "
                        f"« {EXPECTED} », seul sur sa ligne, hors d’une liste ou d’une citation "
                        "(sinon, retirez de ce commentaire les mots « tier » et « palier »)", miss.line)
    lines = text.split("\n")
    parts: list[SourcePart] = []
    first = 0  # index of the first line of the part in progress
    for divider in dividers:
        tier = ladder.get(divider.tier)
        if tier is None:
            raise TierError(f"séparateur vers un palier inconnu « {divider.tier} » "
                            f"(paliers : {ladder.names()})", divider.line)
        if tier.rank < ladder.get(current).rank:
            raise TierError(f"la profondeur ne peut que croître : « {tier.id} » après « {current} »",
                            divider.line)
        if tier.id != current:
            parts.append(SourcePart(current, "\n".join(lines[first : divider.line - 1]), first + 1))
            first, current = divider.line, tier.id
        else:  # the same tier again: the divider line just goes
            lines[divider.line - 1] = ""
    parts.append(SourcePart(current, "\n".join(lines[first:]), first + 1))
    return parts

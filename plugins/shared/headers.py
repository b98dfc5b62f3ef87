"""The metadata header of a source: its `Key: value` lines, as Pelican reads them.

Pelican's Markdown reader takes its metadata from Python-Markdown's Meta
extension; this reader applies that extension's own expressions, line by line,
so every module that looks at a header (the content checks, the tier split,
the leak audits, the comment files, the scaffold) sees the header Pelican sees:
- an optional `---` first line; the header ends at the first blank line or at a
  `---` or `...` line, which belong to neither header nor body;
- `Key: value` with up to three spaces before the key; keys are lowercased;
- a line indented by four spaces or more (a tab counts four) continues the
  previous value (joined with one space);
- any other line ends the header and is the first line of the body (Pelican
  shows it as text): it is returned as `stray`, for checks that refuse it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from markdown.extensions.meta import BEGIN_RE, END_RE, META_MORE_RE, META_RE


@dataclass(frozen=True)
class Field:
    key: str  # lowercased
    value: str  # stripped; continuation lines joined by a space
    line: int  # 1-based line of the key
    name: str = ""  # the key as written (« Title »), for messages


@dataclass(frozen=True)
class Header:
    entries: tuple[Field, ...] = ()  # every key line, in order, repeated keys included
    body: int = 0  # 0-based index of the first body line
    stray: Field | None = None  # the line that ended the header by not being one (key "", its text)

    @property
    def fields(self) -> dict[str, Field]:
        """The last value of each key."""
        return {entry.key: entry for entry in self.entries}

    @property
    def repeats(self) -> tuple[Field, ...]:
        """Each key line after the first one for the same key."""
        seen: set[str] = set()
        found = []
        for entry in self.entries:
            if entry.key in seen:
                found.append(entry)
            seen.add(entry.key)
        return tuple(found)

    def first(self, key: str) -> Field | None:
        return next((entry for entry in self.entries if entry.key == key), None)

    def value(self, key: str, default: str = "") -> str:
        found = self.fields.get(key)
        return found.value if found is not None else default


def read_header(lines: Iterable[str]) -> Header:
    """The header at the top of `lines` (strings, with or without their line
    ends); stops reading at its end, so a file object costs its header only."""
    entries: list[Field] = []
    key = None
    number = 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n").expandtabs(4)  # as Markdown normalises them before the Meta extension
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark, as Pelican drops it
            if BEGIN_RE.match(line):
                continue
        if not line.strip() or END_RE.match(line):
            return Header(tuple(entries), number)
        match = META_RE.match(line)
        if match:
            key = match.group("key").lower().strip()
            entries.append(Field(key, match.group("value").strip(), number, match.group("key")))
            continue
        more = META_MORE_RE.match(line)
        if more and key:
            previous = entries[-1]
            entries[-1] = replace(previous, value=f"{previous.value} {more.group('value').strip()}".strip())
            continue
        return Header(tuple(entries), number - 1, Field("", line, number))
    return Header(tuple(entries), number)


def read_header_file(path: Path) -> Header:
    """The header of a UTF-8 file, read without its body; UnicodeDecodeError
    propagates for the caller to report."""
    with Path(path).open(encoding="utf-8") as handle:
        return read_header(handle)

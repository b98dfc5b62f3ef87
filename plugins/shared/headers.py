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

import re
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


_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")  # a line of one repeated punctuation character
_FIELD = re.compile(r"^:((?:[^:\\\s]|\\.)(?:[^:\\]|\\.)*):(?:\s+(.*))?$")
_RST_EXTENSIONS = (".rst", ".rest")


def read_rst_header(lines: Iterable[str]) -> Header:
    """The header of a reStructuredText source as Pelican's reST reader takes it:
    the document title (a line under, or between, two adornment lines) as
    `title`, then the field list that follows it (`:date: 2026-11-22`), which
    docutils turns into the document's metadata. Comments before the title are
    skipped; the header ends at the first line that is not a field."""
    text = [line.rstrip("\r\n").expandtabs(8) for _, line in zip(range(400), lines)]
    if text:
        text[0] = text[0].removeprefix("\ufeff")
    entries: list[Field] = []
    i = 0

    def skip_blanks_and_comments(i: int) -> int:
        while i < len(text):
            if not text[i].strip():
                i += 1
            elif text[i].startswith(".. ") or text[i] == "..":  # a comment and its indented block
                i += 1
                while i < len(text) and (not text[i].strip() or text[i][:1].isspace()):
                    i += 1
            else:
                return i
        return i

    i = skip_blanks_and_comments(i)
    if i + 2 < len(text) and _ADORNMENT.match(text[i]) and _ADORNMENT.match(text[i + 2]) and text[i + 1].strip():
        entries.append(Field("title", text[i + 1].strip(), i + 2, "title"))
        i += 3
    elif i + 1 < len(text) and text[i].strip() and not _ADORNMENT.match(text[i]) and _ADORNMENT.match(text[i + 1]):
        entries.append(Field("title", text[i].strip(), i + 1, "title"))
        i += 2
    i = skip_blanks_and_comments(i)
    while i < len(text):
        match = _FIELD.match(text[i])
        if not match:
            break
        name, value = match.group(1), (match.group(2) or "").strip()
        entries.append(Field(name.lower().strip(), value, i + 1, name))
        i += 1
        while i < len(text) and text[i][:1].isspace() and text[i].strip():  # an indented continuation
            entries[-1] = replace(entries[-1], value=f"{entries[-1].value} {text[i].strip()}".strip())
            i += 1
    return Header(tuple(entries), i)


def read_source_header(path: Path) -> Header:
    """The header of a Markdown or reStructuredText source, by its suffix."""
    with Path(path).open(encoding="utf-8") as handle:
        if Path(path).suffix.lower() in _RST_EXTENSIONS:
            return read_rst_header(handle)
        return read_header(handle)

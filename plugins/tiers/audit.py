"""The leak audit: no reserved text may appear anywhere under OUTPUT_PATH.

It trusts nothing the split produced. The content sources are read again
here, with a reading of their own: a text is reserved from the first comment
that speaks of a tier (outside code) to its end, or whole under a `Tier:`
header, and its `Question:` with it. The reserved text is broken into the
units an author typed (paragraphs, headings, list items, link addresses and
titles, image descriptions, abbreviation and footnote definitions, attribute
values, comments, code); each unit gives runs of WINDOW words, or itself when
shorter. A run that also occurs in public source (the public parts and
metadata of every content file, the comments and other data in content/, the
theme, the settings) is exempt: its author published it. Both sides are
folded alike (case, accents, entities, typographic spaces and apostrophes,
soft hyphens, zero-width characters, digit grouping).

Every file of the output is then read, decompressed (Pagefind's fragments),
unescaped (HTML, XML, JSON), tag names dropped but attribute values kept,
folded, and scanned once with an Aho-Corasick automaton of all the runs.
"""

from __future__ import annotations

import fnmatch
import gzip
import html
import os
import re
import string
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick_rs

from shared import Problem, read_header, strings

from .ladder import LadderError, load_ladder

WINDOW = 6  # words in a run
STRIDE = 3  # a leak of WINDOW + STRIDE - 1 words or more always holds a whole run
MIN_WORDS = 2  # a shorter unit cannot be told from ordinary words
MIN_LETTERS = 10  # nor a two-word unit shorter than this

# Folding -------------------------------------------------------------------
# Both sides are reduced to their letters, lowercased and without accents, with
# a BREAK at each end of sentence or line: case, accents, entities (undone
# before), typographic spaces and apostrophes, soft hyphens, zero-width
# characters, digits and their grouping, punctuation and inline markup all
# fall away, so « l’avenir » typeset and « l'avenir » typed, « 1<sup>er</sup> »
# and « 1er », or « Méthode » and its slug « methode », fold alike. Latin-1
# holds every French letter; what lies beyond it (« ’ », « … », U+202F, marks
# of decomposed letters) is dropped by the encoding. Two passes in C per file.

BREAK = "|"  # a run never matches across it: sentences, lines, attribute values
_BASE = {"àáâãäåª": "a", "ç": "c", "ð": "d", "èéêë": "e", "ìíîï": "i", "ñ": "n", "òóôõöøº": "o",
         "ùúûü": "u", "ýÿ": "y", "æ": "a", "ß": "s", "þ": "t", "µ": "m"}


def _tables() -> tuple[bytes, bytes, bytes]:
    joined, spaced = bytearray(range(256)), bytearray(range(256))
    dropped = bytearray()
    for code in range(256):
        char = chr(code).lower()
        letter = next((base for accented, base in _BASE.items() if char in accented), None)
        if char in string.ascii_lowercase:
            letter = char
        if letter:
            joined[code] = spaced[code] = ord(letter)
        elif chr(code) in ".!?;\n\r" + BREAK:
            joined[code] = spaced[code] = ord(BREAK)
        else:
            dropped.append(code)
            spaced[code] = ord(" ")
    return bytes(joined), bytes(dropped), bytes(spaced)


_JOINED, _DROPPED, _SPACED = _tables()


def _latin1(text: str) -> bytes:
    if "\u2026" in text:  # « … » ends a sentence as « ... » does (typography writes one for the other)
        text = text.replace("\u2026", ".")
    return text.encode("latin-1", "ignore")


def fold(text: str) -> str:
    """Letters and BREAKs: « Le 1er Mai ! Oui. » gives « leermai|oui| »."""
    return _latin1(text).translate(_JOINED, _DROPPED).decode("latin-1")


def pieces(text: str) -> list[list[str]]:
    """The words of each sentence or line of a text, folded as above."""
    spaced = _latin1(text).translate(_SPACED).decode("latin-1")
    return [piece.split() for piece in spaced.split(BREAK) if piece.strip()]


# Reading the sources -------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_RST_COMMENT = re.compile(r"^\.\.[ \t]+(?![\w-]+::)(.*)$", re.M)
_TIER_WORD = re.compile(r"\b(?:tiers?|paliers?)\b")
_CODE_SPAN = re.compile(r"(`+)[^`\n].*?\1")
_NAMED_TIER = re.compile(r"<!--\s*tier\s*:\s*([\w-]+)\s*-->", re.I)
MARKDOWN = (".md", ".markdown", ".mkd", ".mdown")
TEXTS = MARKDOWN + (".rst", ".html", ".htm")


def _speaks_of_tiers(text: str) -> bool:
    return any(_TIER_WORD.search(" ".join(piece)) for piece in pieces(text))


@dataclass
class Source:
    """One content file as the audit reads it."""

    path: str  # as shown to the author
    public: list = field(default_factory=list)  # unit texts, folded (all the audit asks of them)
    reserved: list = field(default_factory=list)  # (unit text, line, tier)


def _header(lines: list[str]) -> tuple[dict, int]:
    """Markdown metadata {key: (value, line)} and the index of the first body line,
    as Pelican's Markdown reader sees them (shared.headers, not the split's reading)."""
    header = read_header(lines)
    return {key: (f.value, f.line) for key, f in header.fields.items()}, header.body


def _fences(lines: list[str], first: int) -> set[int]:
    """Indexes of lines inside closed fenced code blocks."""
    inside: set[int] = set()
    index = first
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match:
            fence = match.group(1)
            closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            end = next((j for j in range(index + 1, len(lines)) if closing.match(lines[j])), None)
            if end is not None:
                inside.update(range(index, end + 1))
                index = end + 1
                continue
        index += 1
    return inside


def _boundary(text: str, lines: list[str], first: int, public_id: str, rst: bool = False) -> int | None:
    """Index of the first line that starts reserved text, by this module's own reading."""
    if "<!--" not in text and not (rst and ".." in text):
        return None
    code = _fences(lines, first)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for index in range(first, len(lines)):
        line = lines[index]
        if "<!--" not in line and not (rst and line.startswith("..")):
            continue
        if index in code or (len(line) - len(line.lstrip(" ")) >= 4) or line.startswith("\t"):
            continue
        masked = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        if "<!--" in masked:
            comment = _COMMENT.match(text, offsets[index] + masked.index("<!--"))
            named = _NAMED_TIER.match(comment.group(0)) if comment else None
            if named and named.group(1).lower() == public_id and comment.group(0).rstrip().endswith("-->"):
                continue  # « <!-- tier: public --> » changes nothing
            if comment and _speaks_of_tiers(comment.group(1)):
                return index
        if rst and _RST_COMMENT.match(line) and _speaks_of_tiers(line):
            return index
    return None


# Units of text -------------------------------------------------------------

_BLOCK_MARKERS = re.compile(r"^\s*(?:>\s?)*\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:#{1,6}\s+)?(?::\s+)?")
_TRAILING_HASHES = re.compile(r"\s+#+\s*$")
_REF_DEF = re.compile(r"""^ {0,3}\[[^\]^]+\]:\s*<?(\S+?)>?(?:\s+["'(](.*?)["')])?\s*$""")
_ABBR_DEF = re.compile(r"^ {0,3}\*\[([^\]]+)\]:\s*(.*)$")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]]+\]:\s*")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(](.*?)[\"')])?\s*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(](.*?)[\"')])?\s*\)")
_REF_IMAGE = re.compile(r"!\[([^\]]*)\]\s?\[[^\]]*\]")
_NOTE_REF = re.compile(r"\[\^[^\]]+\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]+)>")
_ATTR_LIST = re.compile(r"\{:?([^{}\n]*)\}")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_QUOTED = re.compile(r"""=\s*"([^"]*)"|=\s*'([^']*)'""")
_KV = re.compile(r"""(?:^|\s)[\w:-]+=([^\s"']+)""")


def _quoted(fragment: str) -> list[str]:
    values = [a or b for a, b in _QUOTED.findall(fragment)]
    return values + _KV.findall(fragment)


def _line_units(line: str) -> tuple[str, list[str]]:
    """The prose of one source line and the units it holds apart from it."""
    extra: list[str] = []
    match = _REF_DEF.match(line)
    if match:
        return "", [v for v in match.groups() if v]
    match = _ABBR_DEF.match(line)
    if match:
        return "", [match.group(2), f"{match.group(1)} {match.group(2)}"]
    line = _NOTE_DEF.sub("", line)

    def comment(m):
        if not _speaks_of_tiers(m.group(1)):  # a divider is markup, not text
            extra.append(m.group(1))
        return " "

    def image(m):
        extra.extend(v for v in m.groups() if v)
        return " "

    def link(m):
        extra.extend(v for v in m.groups()[1:] if v)
        return f" {m.group(1)} "

    def tag(m):
        extra.extend(_quoted(m.group(0)))
        return " "

    def attributes(m):
        extra.extend(_quoted(m.group(1)))
        return " "

    line = _COMMENT.sub(comment, line)
    line = _IMAGE.sub(image, line)
    line = _REF_IMAGE.sub(lambda m: (extra.append(m.group(1)), " ")[1], line)
    line = _LINK.sub(link, line)
    line = _AUTOLINK.sub(lambda m: (extra.append(m.group(1)), " ")[1], line)
    line = _NOTE_REF.sub(" ", line)
    line = _ATTR_LIST.sub(attributes, line)
    line = _TAG.sub(tag, line)
    line = _TRAILING_HASHES.sub("", _BLOCK_MARKERS.sub("", line))
    return line, extra


def units(lines: list[str], first_line: int = 1):
    """(unit text, line) of a Markdown region: paragraphs, headings and
    list items run on; code blocks are one unit each."""
    paragraph: list[str] = []
    start = first_line
    index = 0
    while index < len(lines):
        line = lines[index]
        number = first_line + index
        fence = _FENCE.match(line)
        if fence:
            if paragraph:
                yield "\n".join(paragraph), start
                paragraph = []
            closing = re.compile(rf"^ {{0,3}}{re.escape(fence.group(1)[0])}{{{len(fence.group(1))},}}\s*$")
            end = next((j for j in range(index + 1, len(lines)) if closing.match(lines[j])), len(lines))
            yield "\n".join(lines[index + 1:end]), number + 1
            index = end + 1
            continue
        if not line.strip():
            if paragraph:
                yield "\n".join(paragraph), start
                paragraph = []
            index += 1
            continue
        prose, extra = _line_units(line)
        for unit in extra:
            yield unit, number
        heading = line.lstrip().startswith("#")
        if heading and paragraph:
            yield "\n".join(paragraph), start
            paragraph = []
        if prose.strip():
            if not paragraph:
                start = number
            paragraph.append(prose)
        if heading and paragraph:
            yield "\n".join(paragraph), start
            paragraph = []
        index += 1
    if paragraph:
        yield "\n".join(paragraph), start


# Sources to units ------------------------------------------------------------

_HTML_META = re.compile(r"""<meta\s+name=["']([\w-]+)["']\s+content=["']([^"']*)["']""", re.I)
_RST_FIELD = re.compile(r"^:([\w-]+):\s*(.*)$", re.M)


_RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1+\s*$")


def _rst_body(lines: list[str]) -> int:
    """Index of the first body line of a reST text: after its title and field list."""
    index = 0
    while index < len(lines) and (not lines[index].strip() or _RST_ADORNMENT.match(lines[index])):
        index += 1
    if index + 1 < len(lines) and _RST_ADORNMENT.match(lines[index + 1]):
        index += 2  # the title and its underline
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith(":")
                                  or (lines[index][:1] in " \t" and index and lines[index - 1].startswith(":"))):
        index += 1
    return index


def read_source(path: Path, shown: str, public_id: str) -> Source:
    source = Source(shown)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError):
        return source  # not text: an image, a font
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    suffix = path.suffix.lower()
    lines = text.split("\n")
    if suffix in MARKDOWN:
        fields, first = _header(lines)
    elif suffix == ".rst":
        fields = {m.group(1).lower(): (m.group(2), text.count("\n", 0, m.start()) + 1)
                  for m in _RST_FIELD.finditer(text)}
        first = _rst_body(lines)
    elif suffix in (".html", ".htm"):
        fields = {m.group(1).lower(): (m.group(2), text.count("\n", 0, m.start()) + 1)
                  for m in _HTML_META.finditer(text)}
        body = re.search(r"<body\b", text, re.I)
        first = text.count("\n", 0, body.start()) if body else 0
    else:
        source.public.append(fold(text))
        return source
    tier = (fields.get("tier", ("", 0))[0] or public_id).strip().lower()
    whole = tier != public_id
    for key, (value, line) in fields.items():
        if whole and key == "question":
            source.reserved.append((value, line, tier))
        else:
            source.public.append(fold(value))
    cut = first if whole else _boundary(text, lines, first, public_id, rst=suffix == ".rst")
    held = {fields["question"][1] - 1} if whole and "question" in fields else set()
    shown_lines = lines[:cut] if cut is not None else lines
    public = "\n".join(l for i, l in enumerate(shown_lines) if i not in held)
    source.public.append(fold(_as_rendered(public)))
    if cut is not None:
        # Which tier each line is in, for the messages only: dividers name it.
        named = {index: m.group(1).lower() for index in range(cut, len(lines))
                 for m in [_NAMED_TIER.search(lines[index])] if m}
        for unit, line in units(lines[cut:], cut + 1):
            label = tier if whole else next((named[i] for i in range(line - 1, cut - 1, -1) if i in named),
                                            "réservé")
            source.reserved.append((unit, line, label))
    return source


# Each scan stops at the next bracket too, so that a run such as `](](](…` or
# `[^[^[^…` (a hostile comment, 20,000 characters) costs one pass, not one per
# opening: with `[^)\n]*` every `](` read to the end of the line (1 s a build).
_NOTE_CALL = re.compile(r"\[\^[^\[\]\n]*\]")
_APART = re.compile(r"\]\(([^)\[\]\n]*)\)|\]\s?\[[^\[\]\n]*\]|\{:?([^{}\n]*)\}|<([^<>\n]*)>")


def _as_rendered(text: str) -> str:
    """Public source as a page shows it: a note call is a number, and a link's
    target, an attribute list or a tag stands apart from the words around it."""
    return _APART.sub(lambda m: BREAK + (m.group(1) or m.group(2) or m.group(3) or "") + BREAK,
                      _NOTE_CALL.sub(" ", text))


def _ignoring(patterns):
    """Whether a name matches one of IGNORE_FILES's patterns (as fnmatch says), in one
    compiled expression: livereload walks content/ at each save."""
    if not patterns:
        return lambda name: False
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def source_files(settings: dict):
    """(path, name shown) of every file of content/ the audit reads."""
    root = Path(settings["PATH"])
    ignored = _ignoring(settings.get("IGNORE_FILES") or [])
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not ignored(d) and not d.startswith("."))
        shown = os.path.normpath(os.path.join(root.name, os.path.relpath(folder, root)))
        for name in sorted(files):
            if not ignored(name):
                yield Path(folder) / name, os.path.join(shown, name)


def read_sources(settings: dict, public_id: str) -> list[Source]:
    return [read_source(path, shown, public_id) for path, shown in source_files(settings)]


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


_STRING = re.compile(r"""f?"((?:[^"\\\n]|\\.)*)"|f?'((?:[^'\\\n]|\\.)*)'""")


def _theme_texts(settings: dict):
    """What the site prints of its own: the templates' words, and the strings of
    the plugins' code (« Encore 1 400 mots, 7 min de lecture » is written there)."""
    theme = Path(settings["THEME"]) / "templates"
    for path in sorted(theme.rglob("*.html")) if theme.exists() else ():
        yield from _JINJA.split(path.read_text(encoding="utf-8"))
    for folder in settings.get("PLUGIN_PATHS") or ():
        for path in sorted(Path(folder).rglob("*.py")):
            yield from (a or b for a, b in _STRING.findall(path.read_text(encoding="utf-8")))


# Probes ----------------------------------------------------------------------


@dataclass
class Probes:
    automaton: object | None
    phrases: list  # index -> (run as words, where)
    keys: list = field(default_factory=list)  # index -> the run as the automaton holds it
    public: str = ""  # every public text folded, BREAK between them
    verdicts: dict = field(default_factory=dict)  # index -> exempt?, as first asked

    def __bool__(self):
        return bool(self.phrases)

    def exempt(self, index: int) -> bool:
        """The run is said by the public source too: its author published it.

        Asked only of the runs found in the output (on a sound site, the few that
        the public text repeats, most of them in every text): searching the whole
        public text for every run beforehand was the audit's largest cost."""
        verdict = self.verdicts.get(index)
        if verdict is None:
            verdict = self.verdicts[index] = self.keys[index] in self.public  # no run holds a BREAK
        return verdict


def _runs(unit: str):
    """Runs of WINDOW words of each sentence or line of a unit, every STRIDE
    words and the last one; a shorter piece is its own run, unless too short
    to mean anything alone."""
    for found in pieces(unit):
        if len(found) < MIN_WORDS or len("".join(found)) < MIN_LETTERS:
            continue
        if len(found) <= WINDOW:
            yield found
            continue
        last = len(found) - WINDOW
        for start in sorted(set(range(0, last + 1, STRIDE)) | {last}):
            yield found[start:start + WINDOW]


def source_runs(source: Source):
    """(key, run as words, where) of every run of a source's reserved text."""
    for text, line, tier in source.reserved:
        for run in _runs(text):
            yield "".join(run), " ".join(run), f"{source.path}:{line} ({tier})"


def _automaton(keys: list[str]):
    """Aho-Corasick over folded text, in Rust: four times faster to search than
    pyahocorasick, which took 0.7 s of the audit on 1,000 long articles. Over bytes:
    folded text is ASCII (letters and BREAK), and searching a str made the library hold
    an index of its characters (40 MiB more for the 7 million of a whole site)."""
    return ahocorasick_rs.BytesAhoCorasick([key.encode("latin-1") for key in keys],
                                           matchkind=ahocorasick_rs.MatchKind.Standard)


def _hits(automaton, text: str):
    """The index of every key found in `text`, overlapping ones included, by where they end."""
    found = automaton.find_matches_as_indexes(text.encode("latin-1"), overlapping=True)
    return (index for index, _, _ in found)


def make_probes(sources: list[Source], public_texts) -> Probes:
    """The automaton of every reserved run; `public_texts` are folded."""
    phrases: dict[str, tuple[str, str]] = {}
    for source in sources:
        for key, words, where in source_runs(source):
            phrases.setdefault(key, (words, where))
    if not phrases:
        return Probes(None, [])
    keys = list(phrases)
    return Probes(_automaton(keys), list(phrases.values()), keys, BREAK.join(t for t in public_texts if t))


def _public_id(settings: dict) -> str:
    try:
        return load_ladder(settings).public.id
    except LadderError:
        return "public"


def _site_texts(settings: dict) -> list[str]:
    """Public source that is not content: the settings' strings, the theme's and plugins' words."""
    return list(strings({k: v for k, v in settings.items() if k.isupper()})) + list(_theme_texts(settings))


def probes_for(settings: dict) -> Probes:
    """The probes of a site: its reserved source text, minus what is public."""
    sources = read_sources(settings, _public_id(settings))
    if not any(s.reserved for s in sources):
        return Probes(None, [])
    public = [t for s in sources for t in s.public]
    public.extend(fold(t) for t in _site_texts(settings))
    return make_probes(sources, public)


# Scanning the output -----------------------------------------------------------
# A file is read as a reader or a crawler would get it: decompressed, JSON
# escapes undone, then tags dropped (their attribute values kept, at the end)
# and entities undone, twice, since feeds carry escaped HTML.

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([\\\"/nrtbf])")
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_DOUBLE_QUOTED = re.compile(r'=\s*"([^"]*)"')
_SINGLE_QUOTED = re.compile(r"=\s*'([^']*)'")


def _json_unescape(match) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    return {"n": "\n", "r": "\n", "t": " ", "b": " ", "f": " "}.get(match.group(2), match.group(2))


def readable(data: bytes) -> str:
    """The text of a file and, after it, the values of its attributes."""
    for _ in range(3):  # nested compression
        if data[:2] != b"\x1f\x8b":
            break
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            break
    if b"\x00" in data[:4096]:  # binary (search index, images): no markup to undo
        return data.decode("latin-1")
    text = data.decode("utf-8", errors="replace")
    if "\\" in text:
        text = _JSON_ESCAPE.sub(_json_unescape, text)
    values = []
    for _ in range(2):
        if "<" in text:
            values.extend(_DOUBLE_QUOTED.findall(text))
            values.extend(_SINGLE_QUOTED.findall(text))
            text = _TAG.sub("", text)  # blocks are on lines of their own; inline tags join words
        if "&" not in text:
            break
        text = html.unescape(text)
    if values:
        text = text + BREAK + html.unescape(BREAK.join(values))
    return text


@dataclass(frozen=True)
class Leak:
    """A file of the output (`path`, relative to it) that holds reserved text."""

    path: str
    phrase: str  # the run of words found, as the reserved source has it
    where: str  # « content/articles/x.md:12 (abonnes) »

    @property
    def problem(self) -> Problem:
        return Problem(self.path, None, f"contient «\u202f{self.phrase}\u202f», texte réservé de {self.where}")

    def __str__(self) -> str:
        return str(self.problem)


def _folded(path: Path) -> str:
    return fold(readable(path.read_bytes()))


def _unique_blocks(paths: list[Path]) -> str:
    """The folded blocks of these files, each once."""
    seen: set[str] = set()
    for path in paths:
        seen.update(_folded(path).split(BREAK))
    return BREAK.join(seen)


def _first(probes: Probes, text: str):
    for index in _hits(probes.automaton, text):
        if not probes.exempt(index):
            return probes.phrases[index]
    return None


def scan(output: Path, probes: Probes) -> list[Leak]:
    """One leak per output file that holds reserved text.

    Pages repeat one another (the same paragraph in a page, its feeds and its
    search fragment; the same menus everywhere), and a run never crosses a
    BREAK, so each block is looked at once. Should anything leak, every file
    is scanned whole again, so that the list names each file at fault.
    """
    if not probes:
        return []
    files = sorted(p for p in output.rglob("*") if p.is_file())
    if not _first(probes, _unique_blocks(files)):
        return []
    leaks = []
    for path in files:
        found = _first(probes, _folded(path))
        if found:
            leaks.append(Leak(str(path.relative_to(output)), found[0], found[1]))
    return leaks


def audit(settings: dict, output: Path) -> list:
    """Reserved text (Leak) and reserved images in clear (image_audit.ClearCopy)
    in the output: each has a `path` relative to it, a `problem` and a French `str`."""
    from .image_audit import clear_reserved_images

    return scan(output, probes_for(settings)) + clear_reserved_images(settings, output)


# The audit of a few pages, between builds ---------------------------------------
# livereload's quick path (publishing/quick.py) puts one article's page in place
# without a full build; the page is audited first, against the probes of every
# source as they are now. They stay in memory between saves: each check reads
# again only the files changed since (by size and time), searches the page with
# the automaton of the others' runs, as they were, and a small one of the changed
# files' runs. A run found is then looked up in the public source (rarely needed:
# a public page holds no reserved run unless something is wrong).

@dataclass
class _Known:
    stamp: tuple
    source: Source
    runs: dict  # key -> (run as words, where)


class LiveAudit:
    """Leaks in pages about to be put in place without a full build."""

    REBUILD = 16  # changed files beyond which the automaton of every run is made again

    def __init__(self):
        self.known: dict[Path, _Known] = {}  # every source when the automaton was made
        self.automaton = None  # of every run, and its (path, key, run as words, where) by index
        self.values: list[tuple] = []
        # A run found in a page is looked up in the public sources; the answer is kept:
        # key -> (path, _Known) of a source whose public text says it, or (None, sources
        # as they were when none did). The same listing pages are audited at each save.
        self.said: dict[str, tuple] = {}

    def _read(self, path: Path, shown: str, public_id: str, stamp: tuple) -> _Known:
        source = read_source(path, shown, public_id)
        runs: dict = {}
        for key, words, where in source_runs(source):
            runs.setdefault(key, (words, where))
        return _Known(stamp, source, runs)

    def _now(self, settings: dict) -> dict[Path, _Known]:
        public_id = _public_id(settings)
        now = {}
        for path, shown in source_files(settings):
            try:
                info = path.stat()
            except OSError:
                continue  # gone since the walk
            stamp = (info.st_mtime_ns, info.st_size, shown, public_id)
            known = self.known.get(path)
            now[path] = known if known and known.stamp == stamp else self._read(path, shown, public_id, stamp)
        return now

    @staticmethod
    def _runs_of(known: dict[Path, _Known], paths) -> tuple:
        """The automaton of these sources' runs (None if they have none), and its values."""
        values = [(path, key, words, where) for path in paths for key, (words, where) in known[path].runs.items()]
        return (_automaton([value[1] for value in values]) if values else None), values

    def _make(self, now: dict[Path, _Known]) -> None:
        self.automaton, self.values = self._runs_of(now, now)
        self.known = now

    def leaks(self, settings: dict, pages: dict[str, bytes]) -> list[Leak]:
        """One leak per page (name relative to the output: its bytes) holding reserved text."""
        now = self._now(settings)
        changed = {p for p in now.keys() | self.known.keys()
                   if p not in now or p not in self.known or now[p] is not self.known[p]}
        if not self.known or len(changed) > self.REBUILD:
            self._make(now)
            changed = set()
        small, values = self._runs_of(now, sorted(changed & now.keys()))
        site: list[str] | None = None
        found = []
        # Runs found public once are public for every page of this check: a move rewrites
        # a hundred listing pages, which repeat the same public runs (each looked up again,
        # 56,000 lookups took a third of the quick path).
        public: set[str] = set()
        for name, data in pages.items():
            text = fold(readable(data))
            for automaton, of in ((self.automaton, self.values), (small, values)):
                hits = dict.fromkeys(_hits(automaton, text)) if automaton is not None and text else ()
                leak = None
                for path, key, words, where in map(of.__getitem__, hits):
                    if (automaton is self.automaton and path in changed) or key in public:
                        continue  # a run of this file as it was (the small automaton has it as it is), or public
                    if self._said_by_a_source(key, now):
                        public.add(key)
                        continue
                    if site is None:
                        site = [fold(t) for t in _site_texts(settings)]
                    if any(key in text for text in site):
                        public.add(key)
                        continue
                    leak = Leak(name, words, where)
                    break
                if leak:
                    found.append(leak)
                    break
        return found

    MEMORY = 8  # sets of sources the kept answers may refer to, beyond which they are all dropped

    def _said_by_a_source(self, key: str, now: dict[Path, _Known]) -> bool:
        """The run is said by the public text of a source (so make_probes would have
        exempted it). A kept answer is used for what has not changed since."""
        path, known = self.said.get(key, (None, None))
        if path is not None and now.get(path) is known:
            return True
        if path is None and known is not None:  # none said it then: only what changed since can
            changed = [k for p, k in now.items() if known.get(p) is not k]
            found = next((k for k in changed if any(key in text for text in k.source.public)), None)
            if found is None:
                return False
        else:
            found = next((k for k in now.values() if any(key in text for text in k.source.public)), None)
        if len({id(k) for _, k in self.said.values() if isinstance(k, dict)} | {id(now)}) > self.MEMORY:
            self.said = {key: value for key, value in self.said.items() if not isinstance(value[1], dict)}
        self.said[key] = (None, now) if found is None else (next(p for p, k in now.items() if k is found), found)
        return found is not None


# The audit beside the build --------------------------------------------------
# In a build, the audit does not wait for the site to read the sources: a forked
# process makes the probes while Pelican reads the sources, then scans each page
# as soon as it is written (the build sends its path), on the other core while
# Pelican writes the next ones. Once every file is written (Pagefind's index
# included), it scans what it was not sent and every file changed since it was
# scanned (size, time or inode), then looks for reserved images: the whole output,
# as `scan` does, with the same functions, on the final bytes. (Scanning the
# pages while Pagefind indexed them was tried: Pagefind's threads spin when they
# share the two cores, and the build came out slower; the pages are scanned
# before Pagefind starts.)

def _stamp(path: Path):
    info = path.stat()
    return info.st_mtime_ns, info.st_size, info.st_ino


def _auditor(connection, settings: dict, parent_end) -> None:
    """The forked process: probes first, then the scan of the pages it is sent as they
    are written, and of the whole output once the build says it is complete."""
    from publishing import die_with_parent

    from .image_audit import clear_reserved_images

    parent_end.close()  # inherited: open here, it would keep this end from ever seeing the build go
    die_with_parent()
    try:
        probes = probes_for(settings)
        # Each block searched once, when first met, and never joined into one copy of the
        # whole output. Kept by their hash, not whole: the blocks of a thousand long articles,
        # their feeds and their search records weigh 20 MiB in this process. A new block
        # passed over as seen would need a collision of Python's 64-bit hash, keyed at random
        # for each process: about one chance in a billion for the 200,000 blocks of that site.
        blocks: set[int] = set()
        scanned: dict[Path, tuple] = {}
        leaked = False

        def look(path: Path) -> None:
            nonlocal leaked
            try:
                stamp = _stamp(path)
                found = {hash(block): block for block in _folded(path).split(BREAK)}
            except OSError:
                return  # gone since: the final pass sees what is there
            scanned[path] = stamp
            fresh = [block for key, block in found.items() if key not in blocks]
            blocks.update(found)
            if fresh and _first(probes, BREAK.join(fresh)):
                leaked = True

        while True:
            kind, value = connection.recv()
            if kind == "done":
                break
            if probes and not leaked:
                look(Path(value))
        output = Path(value)
        leaks = []
        if probes:
            files = sorted(p for p in output.rglob("*") if p.is_file())
            for path in files:
                if leaked:
                    break
                if scanned.get(path) != _stamp(path):
                    look(path)
            if leaked:
                for path in files:  # something leaked: name every file at fault
                    found = _first(probes, _folded(path))
                    if found:
                        leaks.append(Leak(str(path.relative_to(output)), found[0], found[1]))
        connection.send(("done", leaks + clear_reserved_images(settings, output)))
    except EOFError:  # the build went away
        return
    except BaseException as error:  # reported by the build, which then fails
        connection.send(("error", f"{type(error).__name__}: {error}"))


class BackgroundAudit:
    """The audit of one build, started before its pages are written."""

    def __init__(self, settings: dict):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_auditor, args=(child, settings, self.connection), daemon=True)
        self.process.start()
        child.close()
        self.sender = None  # the thread that sends it the pages written (written())

    def written(self, path: str) -> None:
        """A page of the output is written (Pelican's content_written): scan it now.

        Sent by a thread of this process: while the audit still makes its probes (a
        warm build reads its sources from the cache, and writes at once), the pipe
        fills up, and the build must not wait for it (0.8 s on 1,000 articles)."""
        if self.sender is None:  # started with the first page: the readers' pool is forked by then
            import queue
            import threading

            self.queue = queue.SimpleQueue()
            self.sender = threading.Thread(target=self._send, daemon=True)
            self.sender.start()
        self.queue.put(("file", str(path)))

    def _send(self) -> None:
        while True:
            message = self.queue.get()
            try:
                self.connection.send(message)
            except (OSError, ValueError):
                return  # the audit stopped (a failed build cancels it); finish() says why if it must
            if message[0] == "done":
                return

    def finish(self, output: Path) -> list:
        """Every file is written: the leaks and clear reserved images in `output`."""
        if self.sender is None:
            self.connection.send(("done", str(output)))
        else:
            self.queue.put(("done", str(output)))
            self.sender.join()
        try:
            kind, found = self.connection.recv()
        except EOFError:
            kind, found = "error", "le processus de l’audit s’est arrêté"
        finally:
            self.process.join()
        if kind == "error":
            raise RuntimeError(f"audit des fuites\u00a0: {found}")
        return found

    def step_aside(self) -> None:
        """Every page is written: from here the audit only catches up (then scans what
        comes last, Pagefind's index), so it yields the cores to what runs meanwhile.
        Pagefind's threads, sharing them with it, took 0.2 to 0.6 s longer."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, 10)
        except OSError:
            pass  # already ended, or not allowed here: it only runs at the same priority

    # A publishing background job: nothing to wait for; a failed build stops it.
    def wait(self) -> list:
        return []

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        if self.sender is not None:
            self.queue.put(("done", ""))  # the sender stops, whatever it was sending fails
        self.connection.close()

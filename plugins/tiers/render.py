"""Render the parts of a cut source, each with its own Markdown state.

A part sees the definitions of the parts before it (reference links,
abbreviations, footnotes), never those after it: a shallower part that uses
a deeper definition is an error naming both lines, since rendering it would
either leak the definition or break the text. Across parts, heading ids stay
unique and footnotes are numbered as in the whole text; a deeper part's
footnote ids carry its tier (`fn:abonnes-1`) so a fully opened page has no
duplicate ids.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown import Markdown
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import slugify as default_slugify
from markdown.treeprocessors import Treeprocessor

from .dividers import comments_mentioning_tiers
from .plain import Plain
from .split import SourcePart, TierError


@dataclass
class Definitions:
    """What a part may use from the parts before it."""

    references: dict = field(default_factory=dict)  # id -> (url, title)
    abbreviations: dict = field(default_factory=dict)  # term -> title
    footnotes: dict = field(default_factory=dict)  # label -> Note

    def inherits(self) -> bool:
        return bool(self.references or self.abbreviations or self.footnotes)

    def copy(self) -> Definitions:
        return Definitions(dict(self.references), dict(self.abbreviations), dict(self.footnotes))


@dataclass(frozen=True)
class Note:
    text: str  # the definition's Markdown
    id: str  # its element id on the page
    number: int


@dataclass
class Rendered:
    part: SourcePart
    html: str
    markdown: Markdown  # shared by every part (see _Shared): read `meta`, not its Meta
    own: Definitions  # what this part defined
    meta: dict = field(default_factory=dict)  # the header the meta extension read
    numbering: _PartNotes | None = None
    shared: _Shared | None = None
    used_ids: set = field(default_factory=set)


def _extension(md: Markdown, kind):
    return next((e for e in md.registeredExtensions if isinstance(e, kind)), None)


def _toc_key(config: dict) -> str | None:
    for key in config.get("extension_configs", {}):
        name = key if isinstance(key, str) else ""
        if name.split(":")[0] in ("toc", "markdown.extensions.toc"):
            return key
    for name in config.get("extensions", []):
        if isinstance(name, str) and name.split(":")[0] in ("toc", "markdown.extensions.toc"):
            return name
    return None


class _UniqueSlugify:
    """Heading ids unique across the parts of one text, in toc's own style.

    The toc extension keeps the slugify it was built with, and the Markdown
    instance is reused from text to text (_Shared): so this callable stays,
    and `used` is pointed at the set of the text being rendered. The ids of a
    text only grow, so each slug's count goes on from where it stopped: a text
    of thousands of like headings costs no more than one of different ones."""

    def __init__(self, slugify):
        self.slugify = slugify
        self.used = set()

    @property
    def used(self) -> set:
        return self._used

    @used.setter
    def used(self, ids: set) -> None:
        self._used, self._counts = ids, {}

    def __call__(self, value, separator):
        slug = candidate = self.slugify(value, separator)
        number = self._counts.get(slug, 0)
        if number:
            candidate = f"{slug}_{number}"
        while candidate in self._used:
            number += 1
            candidate = f"{slug}_{number}"
        self._counts[slug] = number
        self._used.add(candidate)
        return candidate


def _snapshot(value):
    """Dicts and lists copied at every depth (functions shared), to notice a
    configuration changed in place (Pelican adds to its `extensions` list)."""
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    return value


class _Shared:
    """One Markdown instance of the site's configuration, reused for every part.

    Building an instance (loading and registering every extension) cost about
    as much as converting a short part, and it was done for each part of each
    text. Python-Markdown's reset() clears what a conversion leaves behind
    (references, the HTML stash, footnotes, abbreviations, toc, Meta); the
    little it does not restore as a fresh instance has it is put back here.
    """

    def __init__(self, config: dict):
        self.config = _snapshot(config)
        config = dict(config)
        key = _toc_key(config)
        self.slugify = None
        if key is not None:
            configs = {k: dict(v) for k, v in config.get("extension_configs", {}).items()}
            toc = configs.setdefault(key, {})
            self.slugify = toc["slugify"] = _UniqueSlugify(toc.get("slugify") or default_slugify)
            config["extension_configs"] = configs
        self.md = Markdown(**config)
        self.notes = _extension(self.md, FootnoteExtension)
        self.abbr = _extension(self.md, AbbrExtension)
        # reset() counts up the footnotes' prefix (used with UNIQUE_IDS): a
        # fresh instance converts with this value, so every part does too.
        self.note_prefix = self.notes.unique_prefix if self.notes is not None else None
        # Plain texts skip Python-Markdown's machinery when this configuration allows it.
        self.plain = Plain.of(self.md)
        # Pelican's reader takes the meta preprocessor out of the instance it
        # converts the summary with (this one): put back before each part.
        self.meta = None
        if "meta" in self.md.preprocessors:
            priority = next(p.priority for p in self.md.preprocessors._priority if p.name == "meta")
            self.meta = (self.md.preprocessors["meta"], priority)

    def ready(self, used_ids: set) -> Markdown:
        """The instance as a fresh one, for one part of the text whose heading ids are `used_ids`."""
        md = self.md
        md.reset()
        if self.notes is not None:
            self.notes.unique_prefix = self.note_prefix
        if self.meta is not None and "meta" not in md.preprocessors:
            md.preprocessors.register(self.meta[0], "meta", self.meta[1])
        if self.slugify is not None:
            self.slugify.used = used_ids
        return md


_local = threading.local()  # an instance per thread (and per worker process, forked)


def forget_markdown() -> None:
    """After a conversion that raised: the next part gets a new instance, since
    an interrupted conversion may leave state that reset() does not clear."""
    _local.shared = None


def _shared(config: dict) -> _Shared:
    shared = getattr(_local, "shared", None)
    if shared is None or shared.config != config:
        shared = _local.shared = _Shared(config)
    return shared


class _PartNotes(Treeprocessor):
    """Drops inherited notes from this part's list (their calls point to the
    part that defines them), numbers its own notes after the earlier parts'
    and gives their ids the part's prefix."""

    def __init__(self, md, notes: FootnoteExtension, prefix: str, offset: int, inherited: dict):
        super().__init__(md)
        self.notes, self.prefix, self.offset, self.inherited = notes, prefix, offset, inherited
        self.numbers: dict[str, int] = {}
        self.ids: dict[str, str] = {}

    def rename(self, element_id: str) -> str:
        if not self.prefix:
            return element_id
        head, sep, rest = element_id.partition(self.notes.get_separator())
        return f"{head}{sep}{self.prefix}{rest}" if sep else f"{self.prefix}{element_id}"

    def run(self, root):
        notes = self.notes
        if not notes.footnotes:
            return
        label_of = {notes.makeFootnoteId(label): label for label in notes.footnotes}
        superscript = notes.getConfig("SUPERSCRIPT_TEXT")
        backlink_title = notes.getConfig("BACKLINK_TITLE")
        parents = {child: parent for parent in root.iter() for child in parent}
        box = next((d for d in root.iter("div") if d.get("class") == "footnote"), None)
        listing = box.find("ol") if box is not None else None
        if listing is not None:
            for item in list(listing.findall("li")):
                label = label_of.get(item.get("id", ""))
                if label in self.inherited:
                    listing.remove(item)
                    continue
                number = self.offset + len(self.numbers) + 1
                self.numbers[label] = number
                self.ids[label] = self.rename(item.get("id", ""))
                item.set("id", self.ids[label])
                for link in item.iter("a"):
                    if link.get("class") == "footnote-backref":
                        link.set("href", "#" + self.rename(link.get("href", "#")[1:]))
                        link.set("title", backlink_title.format(number))
            if not self.numbers:
                parents[box].remove(box)
            elif self.offset:
                listing.set("start", str(self.offset + 1))
        for sup in root.iter("sup"):
            link = sup.find("a")
            if link is None or link.get("class") != "footnote-ref":
                continue
            label = label_of.get(link.get("href", "#")[1:])
            if label in self.inherited and label not in self.numbers:
                note = self.inherited[label]
                link.set("href", "#" + note.id)
                link.text = superscript.format(note.number)
                sup.set("id", self.rename(sup.get("id", "")) if self.prefix else sup.get("id", ""))
            elif label in self.numbers:
                link.set("href", "#" + self.ids[label])
                link.text = superscript.format(self.numbers[label])
                sup.set("id", self.rename(sup.get("id", "")))


def _plain(shared: _Shared, numbering: _PartNotes | None, text: str) -> str | None:
    """A part that uses nothing of the parts before it, converted by the fast
    path when it is plain (tiers.plain), leaving the instance's state as
    Python-Markdown's conversion and _PartNotes would: its header, its notes,
    their numbers and their ids with the part's prefix."""
    if shared.plain is None:
        return None
    done = shared.plain.convert(text, note_id=numbering.rename)
    if done is None:
        return None
    html, notes = done
    for number, (label, note) in enumerate(notes.items(), start=1):
        shared.notes.footnotes[label] = note
        numbering.numbers[label] = number
        numbering.ids[label] = numbering.rename(shared.notes.makeFootnoteId(label))
    return html


# `id="` after a space; the lookbehind comes second so the search jumps from
# one `id="` to the next instead of trying every space of the page.
_ID = re.compile(r'id="(?<=\sid=")([^"]*)"')


def render_part(part: SourcePart, config: dict, known: Definitions, used_ids: set,
                prefix: str) -> Rendered:
    shared = _shared(config)
    md = shared.ready(used_ids)
    references = dict(known.references)
    md.references.update(references)
    abbr, notes = shared.abbr, shared.notes
    if abbr is not None:
        abbr.abbrs.update(known.abbreviations)
    numbering = None
    if notes is not None:
        for label, note in known.footnotes.items():
            notes.footnotes[label] = note.text
        offset = max((n.number for n in known.footnotes.values()), default=0)
        numbering = _PartNotes(md, notes, prefix, offset, known.footnotes)
        md.treeprocessors.register(numbering, "tier-part-notes", 4)  # replaces the last part's
    # Later parts start with an empty line, so Meta reads no header from them.
    text = part.text if part.line == 1 else "\n" + part.text
    try:
        rendered = None if known.inherits() else _plain(shared, numbering, text)
        if rendered is None:
            rendered = md.convert(text)
    except BaseException:
        forget_markdown()
        raise
    used_ids.update(_ID.findall(rendered))
    own = Definitions()
    own.references = {k: v for k, v in md.references.items() if references.get(k) != v}
    if abbr is not None:
        own.abbreviations = {k: v for k, v in abbr.abbrs.items() if known.abbreviations.get(k) != v}
    if numbering is not None:
        own.footnotes = {label: Note(notes.footnotes[label], numbering.ids[label], number)
                         for label, number in numbering.numbers.items()}
    return Rendered(part, rendered, md, own, getattr(md, "Meta", {}), numbering, shared, used_ids)


class _FieldMarkdown:
    """The shared instance as Pelican's reader converts a formatted field (the
    summary) with it: a field without notes goes through the plain fast path
    when it is plain (Pelican has taken the header preprocessor out by then)."""

    def __init__(self, md: Markdown, plain: Plain | None):
        self._md, self._plain = md, plain

    def __getattr__(self, name):
        return getattr(self._md, name)

    def convert(self, text: str) -> str:
        done = self._plain.convert(text, notes=False) if self._plain is not None else None
        return done[0] if done is not None else self._md.convert(text)


def markdown_for_metadata(first: Rendered) -> _FieldMarkdown:
    """The instance set back as it was for the text's first part.

    Pelican's reader converts the formatted metadata (the summary) with the
    instance that read the header; it did so, before the instance was shared,
    with the first part's own instance, and still does.
    """
    md = first.markdown
    if first.numbering is not None:
        md.treeprocessors.register(first.numbering, "tier-part-notes", 4)
    if first.shared.slugify is not None:
        first.shared.slugify.used = first.used_ids
    return _FieldMarkdown(md, first.shared.plain)


def render_parts(parts: list[SourcePart], config: dict, prefixes: dict[str, str]) -> list[Rendered]:
    """Render each part in order; check that none uses a later part's definitions."""
    known = Definitions()
    used_ids: set = set()
    done = []
    for part in parts:
        result = render_part(part, config, known, used_ids, prefixes.get(part.tier, ""))
        _check_comments(result)
        _check_balanced(result)
        known = known.copy()
        known.references.update(result.own.references)
        known.abbreviations.update(result.own.abbreviations)
        known.footnotes.update(result.own.footnotes)
        done.append(result)
    _check_no_forward_use(done)
    return done


def _line_of(part: SourcePart, needle: str, flags=0) -> int:
    pattern = re.compile(needle, flags)
    for offset, line in enumerate(part.text.split("\n")):
        if pattern.search(line):
            return part.line + offset
    return part.line


def _check_comments(result: Rendered) -> None:
    found = comments_mentioning_tiers(result.html)
    if found:
        from .dividers import EXPECTED

        start = found[0][:20]
        raise TierError(f"commentaire « {found[0]} » : un séparateur de palier s’écrit exactement "
                        f"« {EXPECTED} », seul sur sa ligne, hors d’une liste ou d’une citation",
                        _line_of(result.part, re.escape(start)))


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr", "param", "keygen"}


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass


def _check_balanced(result: Rendered) -> None:
    """A divider inside a raw HTML block would cut the block in two."""
    if "<" not in result.part.text:
        return
    parser = _Balance()
    parser.feed(result.html)
    parser.close()
    unclosed = [t for t in parser.open if t not in ("p", "li")]
    if unclosed:
        tag = unclosed[0]
        raise TierError(f"la balise <{tag}> ouverte ici n’est pas refermée avant le séparateur de palier "
                        "qui suit : un séparateur ne peut pas couper un bloc HTML",
                        _line_of(result.part, rf"<{tag}\b", re.I))


_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_BRACKETS = re.compile(r"\[([^\[\]\n]+)\](?:[ ]?\[([^\[\]\n]*)\])?")


def _visible_text(rendered: str) -> str:
    return html.unescape(_TAG.sub(" ", _CODE.sub(" ", rendered)))


def _ref_id(label: str) -> str:
    return " ".join(label.split()).lower()


def _check_no_forward_use(done: list[Rendered]) -> None:
    for index, result in enumerate(done):
        available = set()
        later: dict[str, tuple[str, str, Rendered]] = {}  # key -> (shown, definition pattern, part)
        for other in done[: index + 1]:
            available |= {("ref", k) for k in other.own.references}
            available |= {("abbr", k) for k in other.own.abbreviations}
            available |= {("note", k) for k in other.own.footnotes}
        for other in reversed(done[index + 1:]):
            for k in other.own.references:
                later[("ref", k)] = (f"[{k}]", rf"^ {{0,3}}\[{re.escape(k)}\]:", other)
            for k in other.own.abbreviations:
                later[("abbr", k)] = (k, rf"^ {{0,3}}\*\[{re.escape(k)}\]:", other)
            for k in other.own.footnotes:
                later[("note", k)] = (f"[^{k}]", rf"^ {{0,3}}\[\^{re.escape(k)}\]:", other)
        later = {key: value for key, value in later.items() if key not in available}
        if not later:
            continue
        text = _visible_text(result.html)
        uses = []
        for match in _BRACKETS.finditer(text):
            label = match.group(2) or match.group(1)
            if label.startswith("^"):
                uses.append((("note", label[1:]), re.escape(f"[{label}]")))
            else:
                uses.append((("ref", _ref_id(label)), re.escape(f"[{label}]")))
        for key in later:
            if key[0] == "abbr" and re.search(rf"(?<!\w){re.escape(key[1])}(?!\w)", text):
                uses.append((key, rf"(?<!\w){re.escape(key[1])}(?!\w)"))
        for key, pattern in uses:
            if key in later:
                shown, definition, where = later[key]
                defined_at = _line_of(where.part, definition, re.I)
                raise TierError(
                    f"« {shown} » est utilisé avant le séparateur du palier « {where.part.tier} », "
                    f"mais n’est défini qu’après (ligne {defined_at}) : une partie ne peut utiliser que "
                    "ce qui est défini avant ou en elle ; déplacez la définition avant le séparateur",
                    _line_of(result.part, pattern, re.I))

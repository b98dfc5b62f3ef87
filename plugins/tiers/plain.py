"""Plain Markdown written as Python-Markdown writes it, without its machinery.

Python-Markdown is three quarters of reading a text, and most of a long-form
text is plain: paragraphs, headings, lists, quotes, emphasis, links, images,
inline code and notes. For a text made only of those, in their simple forms,
`Plain.convert` writes the HTML Python-Markdown writes with the site's
configuration, several times faster; for anything else it returns None and
the caller converts with Python-Markdown. The shapes taken here are few and
strict on purpose: a text is taken whole or not at all, and any doubt
(raw HTML, an entity, an underscore, a backslash, an indented line, a
reference, a table, two lists in a row...) leaves it to Python-Markdown.

It engages only for what it was checked against (`Plain.of`): Python-Markdown
3.11.3 (requirements.txt pins it; another release turns it off until the tests
below pass with it and VERSION names it), the extensions this site ships, and
toc's and the footnotes' settings read from the instance itself. tests/test_plain_markdown.py holds it to
Python-Markdown's output on generated texts (random Markdown, hostile
characters included), on the demo, on Pelican's samples and on the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
from markdown import Markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import unique
from markdown.serializers import _escape_attrib_html as _attr
from markdown.serializers import _escape_cdata as _text
from markdown.util import code_escape

VERSION = "3.11.3"  # the Python-Markdown release this module reproduces
# The processors of the configuration this module reproduces (Markdown 3.11:
# extra, meta, toc, sane_lists); any other set means another configuration.
_PROCESSORS = {
    "preprocessors": {"normalize_whitespace", "meta", "fenced_code_block", "html_block"},
    "blockprocessors": {"markdown_block", "empty", "indent", "defindent", "code", "table", "hashheader",
                        "setextheader", "hr", "olist", "ulist", "deflist", "quote", "footnote", "abbr",
                        "reference", "paragraph"},
    "inlinePatterns": {"backtick", "escape", "footnote", "reference", "link", "image_link",
                       "image_reference", "short_reference", "short_image_ref", "autolink", "automail",
                       "linebreak", "html", "entity", "em_strong"},
    "treeprocessors": {"footnote", "inline", "footnote-duplicate", "prettify", "attr_list", "abbr", "toc",
                       "unescape"},
    "postprocessors": {"raw_html", "footnote", "amp_substitute"},
}
_OWN_TREEPROCESSORS = {"tier-part-notes"}  # tiers.render's, which leaves a lone public part as it is

# Anywhere in the text: raw HTML, escapes, control characters, tables (each
# test a character class or a literal first: an alternation is ten times slower).
_REFUSED = re.compile(r"[\\<|\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Space at either end of a line (the text is given a newline at both ends).
_LINE_START_SPACE = re.compile(r"\n[^\S\n]")
_LINE_END_SPACE = re.compile(r"[ \xa0\u1680\u2000-\u200a\u202f\u205f\u3000]\n")
# What may not start a line of running text: every block syntax of the configuration.
_BLOCK_START = re.compile(r"[#>=:~+\-\s]|\*(?:[\s\[]|\*[\s*])|\d+\.\s|```|\[[^\]\n]*\]:")
_HEADING = re.compile(r"(#{1,6}) +([^#\n]+)")
_RULE = re.compile(r"-{3,}|\*{3,}|\* \* \*")
_UL_ITEM = re.compile(r"[*+-] +(.+)")
_OL_ITEM = re.compile(r"(\d+)\. +(.+)")
_NOTE = re.compile(r"\[\^([A-Za-z0-9-]+)\]: *(.+)")
_BLANKS = re.compile(r"\n\n+")
_ADDRESS = r"\(([A-Za-z0-9/:.?=&%#+~,@!$_{}-]+)\)"
_INLINE = re.compile(
    r"`([^`\n]+)`"  # code
    r"|\[\^([A-Za-z0-9-]+)\]"  # note call
    r"|!\[([^\[\]`*_^\n{}&\\]*)\]" + _ADDRESS +  # image: its description is not Markdown
    r"|\[([^\[\]`*_^\n{}][^\[\]`*_\n{}]*)\]" + _ADDRESS)  # link
_EMPHASIS = re.compile(r"\*\*([^\s*](?:[^*]*[^\s*])?)\*\*|\*([^\s*](?:[^*]*[^\s*])?)\*")
# Left in running text once calls, links and emphasis are out.
_PLAIN_REFUSED = re.compile(r"[`\[\]_{}*]")
# An ampersand is taken only before a space (never an entity), in a link's address too.
_ENTITY = re.compile(r"&(?! )")


def _refused(text: str) -> bool:
    return bool(_PLAIN_REFUSED.search(text) or "&" in text and _ENTITY.search(text))


class _NotPlain(Exception):
    """The text needs Python-Markdown."""


@dataclass(frozen=True)
class _Call:
    label: str  # a note call, written once the notes are numbered


@dataclass
class _Doc:
    """What one conversion gathers: note texts by label, calls in order, headings to number."""

    notes: dict
    calls: list
    headings: list  # (index in out, level, html parts, visible text)


@dataclass(frozen=True)
class Plain:
    md: Markdown
    toc: object  # markdown.extensions.toc.TocTreeprocessor
    notes: FootnoteExtension
    markers: tuple  # texts holding one of these need Python-Markdown ([TOC], the notes' place marker)

    @classmethod
    def of(cls, md: Markdown) -> Plain | None:
        """The fast path for this instance, or None if its configuration is not the one reproduced."""
        if markdown.__version__ != VERSION:
            return None
        for name, expected in _PROCESSORS.items():
            registry = md.parser.blockprocessors if name == "blockprocessors" else getattr(md, name)
            names = {item.name for item in registry._priority} - _OWN_TREEPROCESSORS
            if names != expected:
                return None
        if md.output_format not in ("html", "html5") or md.tab_length != 4 or not md.stripTopLevelTags:
            return None
        toc = md.treeprocessors["toc"]
        notes = next((e for e in md.registeredExtensions if isinstance(e, FootnoteExtension)), None)
        if (notes is None or toc.use_anchors or toc.base_level != 0 or toc.permalink_leading
                or not isinstance(toc.use_permalinks, str) or notes.getConfig("UNIQUE_IDS")
                or not notes.getConfig("USE_DEFINITION_ORDER")):
            return None
        markers = tuple(m for m in (toc.marker, notes.getConfig("PLACE_MARKER")) if m)
        return cls(md, toc, notes, markers)

    def convert(self, text: str, notes: bool = True, note_id=None) -> tuple[str, dict[str, str]] | None:
        """(html, note texts by label in definition order), or None for Python-Markdown.

        Runs the instance's own whitespace and header preprocessors first (the
        header's only if registered: Pelican takes it out for the summary), so the
        instance's Meta is what Python-Markdown's conversion would leave. With
        `notes` False, a text with a note or a call is declined. `note_id`, if
        given, renames the notes' and calls' ids as they are written (a tier part's
        prefix); the headings' ids are found among the names Python-Markdown gives."""
        lines = self.md.preprocessors["normalize_whitespace"].run(text.split("\n"))
        if "meta" in self.md.preprocessors:
            lines = self.md.preprocessors["meta"].run(lines)
        body = "\n".join(lines).strip("\n")
        framed = f"\n{body}\n"
        if (_REFUSED.search(body) or "``" in body or _LINE_START_SPACE.search(framed)
                or _LINE_END_SPACE.search(framed) or any(marker in body for marker in self.markers)):
            return None
        try:
            html, found = self._blocks(body, notes, note_id or (lambda name: name))
        except _NotPlain:
            return None
        return html, found

    def _blocks(self, body: str, notes: bool, note_id) -> tuple[str, dict[str, str]]:
        doc = _Doc({}, [], [])
        out: list[list] = []  # [tag, parts]; parts are strings and _Call markers
        pending = _BLANKS.split(body) if body else []
        pending.reverse()
        while pending:
            block = pending.pop()
            first, _, rest = block.partition("\n")
            last = out[-1][0] if out else None
            if first[0] == "#":
                match = _HEADING.fullmatch(first)
                if not match:
                    raise _NotPlain
                if rest:
                    pending.append(rest)
                parts, visible = self._inline(match.group(2).strip(), doc)
                doc.headings.append((len(out), len(match.group(1)), parts, visible))
                out.append(["h", []])
            elif _RULE.fullmatch(block):
                out.append(["hr", ["<hr>"]])
            elif _UL_ITEM.match(first) or first[0].isdigit() and _OL_ITEM.match(first):
                ordered = first[0].isdigit()
                tag = "ol" if ordered else "ul"
                if last == tag:
                    raise _NotPlain  # Python-Markdown joins it to the list before
                start = ""
                if ordered:
                    number = _OL_ITEM.match(first).group(1)
                    start = f' start="{number}"' if number != "1" else ""
                items = []
                for line in block.split("\n"):
                    match = (_OL_ITEM if ordered else _UL_ITEM).fullmatch(line)
                    if match:
                        items.append(match.group(match.lastindex).lstrip())
                    elif items:
                        items[-1] += "\n" + line  # a lazy continuation, as Python-Markdown reads it
                parts = [f"<{tag}{start}>"]
                for item in items:
                    parts += ["\n<li>", *self._paragraph(item, doc), "</li>"]
                out.append([tag, parts + [f"\n</{tag}>"]])
            elif first[0] == ">":
                inner = []
                for line in block.split("\n"):
                    if line == ">":
                        inner.append("")
                    elif line.startswith("> "):
                        inner.append(line[2:])
                    else:
                        raise _NotPlain
                paragraphs = [p for p in _BLANKS.split("\n".join(inner).strip("\n")) if p]
                if not paragraphs:
                    raise _NotPlain
                parts = []
                for paragraph in paragraphs:
                    parts += ["\n<p>", *self._paragraph(paragraph, doc), "</p>"]
                if last == "blockquote":
                    out[-1][1][-1:-1] = parts  # Python-Markdown adds it to the quote before
                else:
                    out.append(["blockquote", ["<blockquote>", *parts, "\n</blockquote>"]])
            elif first[0] == "[" and _NOTE.fullmatch(first):
                for line in block.split("\n"):
                    match = _NOTE.fullmatch(line)
                    if not match or match.group(1) in doc.notes or _BLOCK_START.match(match.group(2)):
                        raise _NotPlain
                    doc.notes[match.group(1)] = match.group(2)
            else:
                out.append(["p", ["<p>", *self._paragraph(block, doc), "</p>"]])
        if not notes and (doc.notes or doc.calls):
            raise _NotPlain
        return self._finish(out, doc, note_id), dict(doc.notes)

    def _paragraph(self, block: str, doc: _Doc) -> list:
        for line in block.split("\n"):
            if _BLOCK_START.match(line):
                raise _NotPlain
        return self._inline(block, doc)[0]

    def _inline(self, text: str, doc: _Doc, calls: bool = True) -> tuple[list, str]:
        """(html parts, visible text without note calls) of a run of text."""
        parts, visible, end = [], [], 0
        for match in _INLINE.finditer(text):
            self._plain(text[end:match.start()], parts, visible)
            end = match.end()
            code, call, alt, source, label, url = match.groups()
            if code is not None:
                content = code.strip()
                if not content or _ENTITY.search(code):
                    raise _NotPlain
                parts.append(f"<code>{_text(code_escape(content))}</code>")
                visible.append(content)
            elif call is not None:
                if not calls or call in doc.calls:
                    raise _NotPlain  # a call in a note, or a second call of one note
                doc.calls.append(call)
                parts.append(_Call(call))  # numbered in _finish, once every note is known
            elif alt is not None:
                parts.append(f'<img alt="{_attr(alt)}" src="{_attr(source)}">')
            else:
                if _ENTITY.search(label):
                    raise _NotPlain
                parts.append(f'<a href="{_attr(url)}">{_text(label)}</a>')
                visible.append(label)
        self._plain(text[end:], parts, visible)
        return parts, "".join(visible)

    @staticmethod
    def _plain(text: str, parts: list, visible: list) -> None:
        end = 0
        for match in _EMPHASIS.finditer(text):
            between = text[end:match.start()]
            strong, em = match.groups()
            inner = strong if strong is not None else em
            if _refused(between) or _refused(inner) or text[match.end():match.end() + 1] == "*":
                raise _NotPlain  # a star right after: Python-Markdown pairs the delimiters otherwise
            tag = "strong" if strong is not None else "em"
            parts.append(f"{_text(between)}<{tag}>{_text(inner)}</{tag}>")
            visible.append(between + inner)
            end = match.end()
        rest = text[end:]
        if _refused(rest):
            raise _NotPlain
        parts.append(_text(rest))
        visible.append(rest)

    def _finish(self, out: list[list], doc: _Doc, note_id) -> str:
        notes = self.notes
        fn, fnref = notes.makeFootnoteId, notes.makeFootnoteRefId  # the extension's own ids
        if any(label not in doc.notes for label in doc.calls):
            raise _NotPlain  # a call without its note stays text in Python-Markdown
        # Every refusal comes before the headings are named: naming them takes their
        # ids from the text's set, which Python-Markdown then needs as it was.
        note_parts = {label: self._inline(text, doc, calls=False)[0] for label, text in doc.notes.items()}
        numbers = {label: number for number, label in enumerate(doc.notes, start=1)}
        superscript = notes.getConfig("SUPERSCRIPT_TEXT")

        def joined(parts: list) -> str:
            return "".join(
                f'<sup id="{_attr(note_id(fnref(part.label)))}"><a class="footnote-ref" '
                f'href="#{_attr(note_id(fn(part.label)))}">{_text(superscript.format(numbers[part.label]))}</a></sup>'
                if isinstance(part, _Call) else part for part in parts)

        # The ids toc sees before it names the headings: the notes' and their calls'.
        used = {fn(label) for label in doc.notes} | {fnref(label) for label in doc.calls}
        counters: dict = {}
        toc = self.toc
        title = f' title="{_attr(toc.permalink_title)}"' if toc.permalink_title else ""
        for index, level, parts, visible in doc.headings:
            slug = unique(toc.slugify(" ".join(visible.split()), toc.sep), used, counters)
            out[index][1] = [f'<h{level} id="{_attr(slug)}">', *parts,
                             f'<a class="{_attr(toc.permalink_class)}" href="{_attr("#" + slug)}"{title}>'
                             f"{_text(toc.use_permalinks)}</a></h{level}>"]
        html = [joined(parts) for _, parts in out]
        if doc.notes:
            backtitle = notes.getConfig("BACKLINK_TITLE")
            backtext = notes.getConfig("BACKLINK_TEXT")
            items = []
            for label, number in numbers.items():
                text = joined(note_parts[label])
                items.append(f'<li id="{_attr(note_id(fn(label)))}">\n<p>{text}&#160;'
                             f'<a class="footnote-backref" href="#{_attr(note_id(fnref(label)))}" title="{_attr(backtitle.format(number))}">'
                             f"{backtext}</a></p>\n</li>")
            html.append('<div class="footnote">\n<hr>\n<ol>\n' + "\n".join(items) + "\n</ol>\n</div>")
        return "\n".join(html)

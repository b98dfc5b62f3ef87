"""Readers that split a text into tiers as Pelican reads it (cached with it).

Markdown sources are cut at their dividers and each part rendered on its
own (split.py, render.py). reST and HTML sources may be reserved whole with
`Tier:`; a divider in them is refused, since their parts cannot be rendered
apart. Static files are not texts and are left alone.
"""

from __future__ import annotations

import logging
import os
import re

from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from longform import word_count
from shared import Problem, read_header

from .dividers import comments_mentioning_tiers, mentions_tier
from .ladder import LadderError, load_ladder
from .render import forget_markdown, markdown_for_metadata, render_parts
from .split import Part, TierError, TierSplit, cut

log = logging.getLogger(__name__)


def shown_path(settings: dict, source_path: str) -> str:
    """« content/articles/x.md », as the author knows it."""
    root = os.path.normpath(settings["PATH"])
    return os.path.normpath(os.path.join(os.path.basename(root), os.path.relpath(source_path, root)))


def _reserve_question(metadata: dict, split: TierSplit) -> TierSplit:
    """A wholly reserved text keeps its question with it, at the end of its first part."""
    question = metadata.pop("question", None)
    if not question:
        return split
    from html import escape

    first = split.parts[0]
    block = (f'\n<aside class="question"><p><strong>La question</strong>\u00a0: '
             f"{escape(str(question))}</p></aside>\n")
    parts = (Part(first.tier, first.html + block, first.words + word_count(block)),) + split.parts[1:]
    return TierSplit(split.public_id, parts)


def _finish(content_parts: list[tuple[str, str]], ladder, metadata: dict, whole: bool):
    kept = [(tier, chunk) for tier, chunk in content_parts if chunk.strip()]
    if all(tier == ladder.public.id for tier, _ in kept):
        # Nothing withheld: no split is kept, so its word counts would be thrown
        # away (longform counts the typeset page's words, after this reader).
        return "".join(chunk.strip("\n") + "\n" for _, chunk in kept), metadata
    merged = [Part(tier, chunk.strip("\n") + "\n", word_count(chunk)) for tier, chunk in kept]
    split = TierSplit(ladder.public.id, tuple(merged))
    if whole:
        split = _reserve_question(metadata, split)
    metadata["tier_split"] = split
    metadata["withheld_words"] = split.withheld_words
    return split.public_html, metadata


def _report(settings, source_path, error: TierError):
    log.error("%s", Problem(shown_path(settings, source_path), error.line, str(error)))


class TierMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, rendering each tier part on its own."""

    splits_tiers = True

    def _header_only(self, text: str) -> dict:
        self._md = self._new_markdown()
        self._md.convert(text.split("\n\n", 1)[0])
        return self._parse_metadata(getattr(self._md, "Meta", {}))

    def _new_markdown(self):
        from markdown import Markdown

        return Markdown(**self.settings["MARKDOWN"])

    def read(self, source_path):
        self._source_path = source_path
        with pelican_open(source_path) as text:
            text = str(text)
        try:
            ladder = load_ladder(self.settings)
        except LadderError:
            return "", self._header_only(text)  # reported when the settings were prepared (config.check_settings)
        start = read_header(text.split("\n")).fields.get("tier")
        try:
            parts = cut(text, ladder, start.value.lower() if start and start.value else None,
                        start.line if start else None)
            prefixes = {t.id: f"{t.id}-" for t in ladder.gated}
            rendered = render_parts(parts, self.settings["MARKDOWN"], prefixes)
        except TierError as error:
            _report(self.settings, source_path, error)
            return "", self._header_only(text)  # nothing of a text in error reaches the site
        self._md = markdown_for_metadata(rendered[0])
        try:
            metadata = self._parse_metadata(rendered[0].meta)  # converts the summary with self._md
        except BaseException:
            forget_markdown()
            raise
        whole = ladder.get(parts[0].tier).rank > 0
        return _finish([(r.part.tier, r.html) for r in rendered], ladder, metadata, whole)


_RST_COMMENT = re.compile(r"^\.\.[ \t]+(?![\w-]+::)(.*)$", re.M)
_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)


def _tiered_other(reader_class):
    """reST and HTML: `Tier:` reserves the whole text; dividers are refused."""

    class TieredReader(reader_class):
        splits_tiers = True

        def read(self, source_path):
            content, metadata = super().read(source_path)
            if content is None:
                return content, metadata
            with pelican_open(source_path) as text:
                source = str(text)
            comments = [m.group(1) for m in _HTML_COMMENT.finditer(source)]
            comments += [m.group(1) for m in _RST_COMMENT.finditer(source)]
            if any(mentions_tier(c) for c in comments) or comments_mentioning_tiers(content):
                line = next((source.count("\n", 0, m.start()) + 1
                             for pattern in (_HTML_COMMENT, _RST_COMMENT) for m in pattern.finditer(source)
                             if mentions_tier(m.group(1))), None)
                _report(self.settings, source_path, TierError(
                    "les séparateurs de palier ne sont lus que dans les fichiers Markdown (.md) : "
                    "écrivez ce texte en Markdown, ou réservez-le en entier avec « Tier: abonnes » "
                    "(sinon, retirez de ce commentaire les mots « tier » et « palier »)", line))
                return "", metadata
            start = metadata.get("tier")
            if not start:
                return content, metadata
            try:
                ladder = load_ladder(self.settings)
            except LadderError:
                return "", metadata
            tier = ladder.get(str(start).strip().lower())
            if tier is None:
                _report(self.settings, source_path,
                        TierError(f"palier inconnu « {start} » (paliers : {ladder.names()})"))
                return "", metadata
            return _finish([(tier.id, content)], ladder, metadata, whole=tier.rank > 0)

    TieredReader.__name__ = f"Tiered{reader_class.__name__}"
    return TieredReader


def install_readers(readers):
    """readers_init: Markdown through TierMarkdownReader, reST and HTML checked.

    Works whichever plugin wrapped the Markdown reader first: the tier reader
    is put just above MarkdownReader in the class's method order, so another
    plugin's `read` still calls it through `super()`.
    """
    for extension, reader in list(readers.reader_classes.items()):
        if reader is None or extension == "static" or getattr(reader, "splits_tiers", False):
            continue
        if issubclass(reader, MarkdownReader):
            if reader is MarkdownReader:
                readers.reader_classes[extension] = TierMarkdownReader
            else:
                readers.reader_classes[extension] = type(
                    f"Tiered{reader.__name__}", (reader, TierMarkdownReader), {})
        else:
            readers.reader_classes[extension] = _tiered_other(reader)

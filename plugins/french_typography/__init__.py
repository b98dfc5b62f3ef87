"""French typography plugin: a text pass over titles, bodies and summaries.

It runs inside the Markdown and reStructuredText readers, so its output is
stored in Pelican's reader cache with the rendered HTML and a rebuild does not
redo it. Content
whose `Lang:` is not French is left alone. A `typo` Jinja filter applies the
same rules in templates.
"""

from pelican import signals
from pelican.readers import MarkdownReader, RstReader

from .typography import fix_html, fix_text

__all__ = ["fix_html", "fix_text", "register"]


def _is_french(metadata: dict, settings: dict) -> bool:
    lang = metadata.get("lang") or settings.get("DEFAULT_LANG", "fr")
    return str(lang).lower().startswith("fr")


class Typographic:
    """Mixed into a reader class: what it reads comes out typeset."""

    def read(self, source_path):
        content, metadata = super().read(source_path)
        if _is_french(metadata, self.settings):
            split = metadata.get("tier_split")  # the tiers plugin's parts, typeset each
            if split is not None and hasattr(split, "map_html"):
                metadata["tier_split"] = split = split.map_html(fix_html)
                content = split.public_html
            else:
                content = fix_html(content)
            for key in ("title", "summary"):
                if isinstance(metadata.get(key), str):
                    metadata[key] = fix_html(metadata[key])
        return content, metadata


class TypographicMarkdownReader(Typographic, MarkdownReader):
    pass


class TypographicRstReader(Typographic, RstReader):
    pass


def _typographic(reader_class):
    plain = {MarkdownReader: TypographicMarkdownReader, RstReader: TypographicRstReader}
    if reader_class in plain:
        return plain[reader_class]
    # Another plugin wrapped the reader first: typeset inside its wrapper.
    return type(f"Typographic{reader_class.__name__}", (Typographic, reader_class), {})


def use_typographic_reader(readers):
    for extension, reader in list(readers.reader_classes.items()):
        if (isinstance(reader, type) and issubclass(reader, (MarkdownReader, RstReader))
                and not issubclass(reader, Typographic)):
            readers.reader_classes[extension] = _typographic(reader)


def add_filter(generator):
    generator.env.filters.setdefault("typo", fix_html)


def register():
    signals.readers_init.connect(use_typographic_reader)
    signals.generator_init.connect(add_filter)

"""Long-form reading: French dates, reading time, table of contents, series,
structured data.

Settings: config.py (TOC_MIN_WORDS, TOC_MIN_HEADINGS, SOCIAL_IMAGE), and
publishing's READING_SPEED_WPM.
"""

from pelican import signals
from pelican.contents import Article

from publishing import ARTICLE_LISTS, content_refreshed, contents

from .collation import french_key, sort_fr
from .config import DEFAULTS, PREFIXES
from .dates import date_fr, iso_date_fr, language_name, ordinal
from .reading import reading_label, reading_minutes, table_of_contents, word_count
from .series import link_series
from .structured_data import blog_posting, plain


def _measuring(reader_class):
    class MeasuringReader(reader_class):
        measures = True

        def read(self, source_path):
            content, metadata = super().read(source_path)
            # A plugin that withholds part of the body (tiers) says how many words.
            metadata["word_count"] = word_count(content) + metadata.get("withheld_words", 0)
            metadata["toc_headings"] = table_of_contents(content)
            return content, metadata

    MeasuringReader.__name__ = f"Measuring{reader_class.__name__}"
    return MeasuringReader


def measure_when_read(readers):
    """Count words and headings as a file is read, so the figures are stored in
    Pelican's reader cache with the HTML and a rebuild does not count again."""
    for extension, reader in list(readers.reader_classes.items()):
        if reader is not None and not getattr(reader, "measures", False):
            readers.reader_classes[extension] = _measuring(reader)


def annotate(instance):
    if type(instance).__name__ == "Static":
        return
    settings = instance.settings
    for attr in ("date", "modified"):
        value = getattr(instance, attr, None)
        if value is not None:
            setattr(instance, f"locale_{attr}", date_fr(value))
    content = getattr(instance, "_content", "") or ""
    if getattr(instance, "toc_headings", None) is None:  # not read through a measuring reader
        instance.word_count = word_count(content)
        instance.toc_headings = table_of_contents(content)
    instance.reading_time = reading_minutes(instance.word_count, settings["READING_SPEED_WPM"])
    instance.reading_time_label = reading_label(instance.reading_time)
    toc = instance.toc_headings
    long_enough = instance.word_count >= settings["TOC_MIN_WORDS"]
    enough_headings = len(toc) >= settings["TOC_MIN_HEADINGS"]
    instance.toc = toc if long_enough and enough_headings else []


def link_articles(generator):
    """Series, then newer/older neighbours in publication order."""
    generator.context["series"] = link_series(generator.articles)
    # Only published articles form series. The others (drafts, hidden articles,
    # translations) would keep Pelican's raw `Series:` string in `series`,
    # which the theme would read as a series (its `.index`, a str method).
    for article in contents([generator], ARTICLE_LISTS[1:]):  # every list but `articles`
        if not isinstance(getattr(article, "series", None), dict):
            article.series = None
    articles = generator.articles  # newest first
    for position, article in enumerate(articles):
        article.newer = articles[position - 1] if position else None
        article.older = articles[position + 1] if position + 1 < len(articles) else None


def refresh_series(settings, content, previous, generators) -> list:
    """content_refreshed (publishing): a new draft read by livereload's quick path is
    in no series, as link_articles leaves every article but the published ones."""
    if content is not None and previous is None and isinstance(content, Article) and content.status != "published":
        if not isinstance(getattr(content, "series", None), dict):
            content.series = None
    return []


def add_filters(generator):
    generator.env.filters.update(
        {"date_fr": date_fr, "ordinal": ordinal, "plain": plain, "blog_posting": blog_posting,
         "iso_date_fr": iso_date_fr, "sort_fr": sort_fr, "language_name": language_name}
    )


def register():
    signals.readers_init.connect(measure_when_read)
    signals.content_object_init.connect(annotate)
    signals.article_generator_finalized.connect(link_articles)
    content_refreshed.connect(refresh_series)
    signals.generator_init.connect(add_filters)

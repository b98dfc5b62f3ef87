"""Publishing plugin: nothing in content/ is silently left out of the site.

Pelican side: the metadata checks run when Pelican starts (so the plain
`pelican` command reports them too), and after reading, every article file
must have become an article, a draft or a hidden article.
Also writes sitemap.xml (sitemap.py).
CLI side (used by tasks.py): build.py, scaffold.py, serve.py, deploy.py; and
NenufarPelican (command.py), which the plain `pelican` command runs.
"""

import logging
import os

from pelican import signals

from .checks import check_content
from .command import NenufarPelican
from .incremental import incremental_writer, save_fingerprints
from .sitemap import collector as sitemap

log = logging.getLogger(__name__)


CHECKED = "CONTENT_ALREADY_CHECKED"  # set by build.py, which checks before Pelican starts


def check_sources(pelican):
    if pelican.settings.get(CHECKED):
        return
    for problem in check_content(pelican.settings):
        log.error("%s", problem)


def check_every_article_read(generator):
    settings = generator.settings
    expected = set(generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"]))
    read = {
        os.path.relpath(article.source_path, generator.path)
        for article in generator.articles + generator.translations + generator.drafts
        + generator.drafts_translations + generator.hidden_articles + generator.hidden_translations
    }
    for path in sorted(expected - read):
        log.error("%s : ce fichier n’a pas pu être publié (voir le message précédent)",
                  os.path.join(os.path.basename(generator.path), path))


def check_unique_addresses(generators):
    """Two sources writing the same page: Pelican would crash mid-write."""
    seen = {}
    for generator in generators:
        for attr in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages", "issues"):
            for content in getattr(generator, attr, ()):
                source = os.path.relpath(content.source_path, os.path.dirname(generator.path))
                if not content.save_as:  # not written (drafts in production)
                    continue
                if content.save_as in seen:
                    log.error("%s : l’adresse « %s » est déjà celle de %s "
                              "(changez le titre ou ajoutez une ligne « Slug: »)",
                              source, content.url, seen[content.save_as])
                else:
                    seen[content.save_as] = source


def freeze_urls(generators):
    """Compute each address once per build.

    Pelican recomputes `url` from the settings on every access (a path
    computation each time), and templates ask for it many times per page.
    Setting `override_url`, Pelican's own hook for a fixed address, keeps the
    computed value.
    """
    for generator in generators:
        for attr in ("articles", "translations", "drafts", "hidden_articles", "pages",
                     "hidden_pages", "draft_pages", "issues"):
            for content in getattr(generator, attr, ()):
                if not hasattr(content, "override_url"):
                    content.override_url = content.url


def register():
    signals.initialized.connect(sitemap.reset)
    signals.content_written.connect(sitemap.written)
    signals.finalized.connect(sitemap.write)
    signals.get_writer.connect(incremental_writer)
    signals.finalized.connect(save_fingerprints)
    signals.initialized.connect(check_sources)
    signals.article_generator_finalized.connect(check_every_article_read)
    signals.all_generators_finalized.connect(check_unique_addresses)
    signals.all_generators_finalized.connect(freeze_urls)

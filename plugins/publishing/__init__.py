"""Publishing plugin: the house's core, which every feature plugin may use and
which uses none of them (plugins/README.md).

Settings: every plugin's defaults merged and checked once (settings.py; its
own table in config.py). Pelican side: the metadata checks run when Pelican
starts (so the plain `pelican` command reports them too), and after reading,
every text file must have become an article, a page, an issue or a draft;
addresses are unique; sitemap.xml (sitemap.py); incremental writes
(incremental.py). Signals for the plugins: hooks.py (`site_staged`, `send_recipients`,
`content_refreshed`, `quick_pages`, `pages_placed`). The
content lists of generators, named once: contents.py.
CLI side: build.py, sources.py, scaffold.py, serve.py, deploy.py, and cli.py
(what every plugin's commands share); and NenufarPelican (command.py), which the plain `pelican` command runs.
"""

import fnmatch
import logging
import os

from pelican import signals

from shared import Problem

from .build import BuildError, BuildResult, load_settings
from .build import build as build_site  # `publishing.build` stays the module
from .checks import check_content
from .config import DEFAULTS, PREFIXES, check_settings
from .contents import ARTICLE_LISTS, EVERY_LIST, ISSUE_LISTS, PAGE_LISTS, contents
from .hooks import (background_open, content_refreshed, first_answer, in_background, pages_placed,  # noqa: F401
                    quick_pages, send_recipients, settle, site_staged)
from .sources import ArticleRef, article_index
from .voice import add_voice_filter, voix
from .command import NenufarPelican  # noqa: F401 (PELICAN_CLASS in pelicanconf.py)
from .incremental import PREVIOUS_OUTPUT, incremental_writer, save_fingerprints  # noqa: F401 (PREVIOUS_OUTPUT: search)
from .links import install as check_links
from .pool import can_fork, die_with_parent, prefetch, share_writes  # noqa: F401 (can_fork, die_with_parent: for the plugins)
from .sitemap import collector as sitemap

log = logging.getLogger(__name__)


CHECKED = "CONTENT_ALREADY_CHECKED"  # set by build.py, which checks before Pelican starts


def check_sources(pelican):
    if pelican.settings.get(CHECKED):
        return
    for problem in check_content(pelican.settings):
        log.error("%s", problem)


def check_every_text_read(generators):
    """Every Markdown, reST or HTML file under content/ is published, set aside
    on purpose (IGNORE_FILES, *_EXCLUDES, STATIC_PATHS), or named in an error."""
    if not generators:
        return
    settings = generators[0].settings
    root = os.path.normpath(settings["PATH"])
    shown_root = os.path.basename(root)
    read = {os.path.normpath(content.source_path) for content in contents(generators)}
    readers = next((g.readers for g in generators if hasattr(g, "readers")), None)
    extensions = {e for e in (readers.extensions if readers else ()) if e != "static"}
    set_aside = [f for f in list(settings.get("STATIC_PATHS") or []) + list(settings.get("ARTICLE_EXCLUDES") or [])
                 + list(settings.get("PAGE_EXCLUDES") or []) if f not in ("", ".")]
    ignored = settings.get("IGNORE_FILES") or ()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in ignored))
        for name in sorted(files):
            path = os.path.normpath(os.path.join(folder, name))
            relative = os.path.relpath(path, root)
            if (name.rpartition(".")[2].lower() not in extensions or path in read
                    or any(fnmatch.fnmatch(name, p) for p in ignored)
                    or any(relative == f or relative.startswith(f.rstrip("/") + os.sep) for f in set_aside)):
                continue
            shown = os.path.join(shown_root, relative)
            if _covered(relative, settings):
                log.error("%s", Problem(shown, None, "ce fichier n’a pas pu être publié (voir l’erreur qui le "
                                                     "nomme plus haut)"))
            else:
                log.error("%s", Problem(shown, None, "aucun dossier de contenu ne lit ce fichier\u00a0: placez-le "
                                                     f"dans {_folders(settings)}, ou écartez-le avec IGNORE_FILES "
                                                     "ou ARTICLE_EXCLUDES"))


def _covered(relative: str, settings) -> bool:
    for key in ("ARTICLE_PATHS", "PAGE_PATHS", "NEWSLETTER_PATHS"):
        for folder in settings[key]:
            if folder in ("", ".") or relative.startswith(folder.rstrip("/") + os.sep):
                return True
    return False


def _folders(settings) -> str:
    names = []
    for key, kind in (("ARTICLE_PATHS", "articles"), ("PAGE_PATHS", "pages"), ("NEWSLETTER_PATHS", "lettre")):
        for folder in settings[key]:
            names.append(f"{os.path.basename(os.path.normpath(settings['PATH']))}/{folder.strip('/')}/ ({kind})")
    return ", ".join(names)


def check_unique_addresses(generators):
    """Two sources writing the same page: Pelican would crash mid-write."""
    seen = {}
    for generator in generators:
        for content in contents([generator]):
            if not content.save_as:  # not written (drafts in production)
                continue
            source = os.path.relpath(content.source_path, os.path.dirname(generator.path))
            if content.save_as in seen:
                log.error("%s", Problem(source, None, f"l’adresse «\u202f{content.url}\u202f» est déjà celle de "
                                                      f"{seen[content.save_as]} (changez le titre ou ajoutez une "
                                                      "ligne «\u202fSlug:\u202f»)"))
            else:
                seen[content.save_as] = source


def freeze_urls(generators):
    """Compute each address once per build.

    Pelican recomputes `url` from the settings on every access (a path
    computation each time), and templates ask for it many times per page.
    Setting `override_url`, Pelican's own hook for a fixed address, keeps the
    computed value.
    """
    for content in contents(generators):
        if not hasattr(content, "override_url"):
            content.override_url = content.url


def register():
    signals.generator_init.connect(add_voice_filter)
    check_links()  # a {filename} link that points nowhere fails the build
    signals.initialized.connect(sitemap.reset)
    signals.content_written.connect(sitemap.written)
    signals.finalized.connect(sitemap.write)
    signals.get_writer.connect(incremental_writer)
    signals.generator_init.connect(prefetch)  # sources read on every core (pool.py)
    signals.generator_init.connect(share_writes)  # article pages written on two cores (pool.py)
    signals.finalized.connect(save_fingerprints)
    signals.initialized.connect(check_sources)
    signals.all_generators_finalized.connect(check_every_text_read)
    signals.all_generators_finalized.connect(check_unique_addresses)
    signals.all_generators_finalized.connect(freeze_urls)

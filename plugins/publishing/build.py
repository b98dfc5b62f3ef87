"""Runs a Pelican build in-process and refuses to publish a partial site.

Pelican logs most problems and carries on; here the content is checked
first, every error logged during the build is collected, and the build fails
with the list instead of leaving a site with silently missing pages.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican, signals
from pelican.log import console
from pelican.settings import read_settings

from shared import Problem

from .checks import check_content
from .incremental import PREVIOUS_OUTPUT, commit_fingerprints, discard_fingerprints
from .pool import logged_text
from .settings import prepare
from .hooks import abandon, gather, open_background, settle, site_staged


class BuildError(Exception):
    """The build failed; `problems` says where and why, in French."""

    def __init__(self, problems: list):
        self.problems = [p if isinstance(p, Problem) else Problem("", None, str(p)) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class BuildResult:
    output_path: Path
    articles: int
    drafts: int
    pages: int
    issues: int
    seconds: float
    warnings: tuple
    editions: tuple = ()  # the newsletter editions rendered, if the build was asked for them
    previews: tuple = ()  # (address, source) of each draft written for local review
    # Pelican's generators, as the build left them (livereload's quick path reads with them)
    generators: tuple = field(default=(), compare=False, repr=False)

    def summary(self) -> str:
        """French summary line: "3 articles, 1 lettre, 2 pages, aucun brouillon"."""
        def count(n, word):
            return f"{n} {word}{'s' if n > 1 else ''}" if n else f"aucun{'e' if word in ('lettre', 'page') else ''} {word}"
        return ", ".join([count(self.articles, "article"), count(self.issues, "lettre"),
                          count(self.pages, "page"), count(self.drafts, "brouillon")])


class _Collector(logging.Handler):
    """Keeps every warning and error logged while Pelican runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record):
        message = logged_text(record)
        said = self.errors if record.levelno >= logging.ERROR else self.warnings
        if message not in said:  # a text rendered twice (page and feed) says its problem once
            said.append(message)


def failure_lines(error: BuildError) -> list[str]:
    """The French report of a failed build, one line per problem."""
    count = len(error.problems)
    return ([f"Erreur\u00a0: la construction a échoué ({count} problème{'s' if count > 1 else ''})\u202f; "
             "le site précédent est resté en place."] + [f"  • {problem}" for problem in error.problems])


def prepared(settings: dict, source: str = "pelicanconf.py") -> dict:
    """`settings` with every plugin's defaults, checked (publishing.settings); BuildError if wrong."""
    settings, problems = prepare(settings, source)
    if problems:
        raise BuildError(problems)
    return settings


def load_settings(path: str = "pelicanconf.py", overrides: dict | None = None) -> dict:
    """The settings file read by Pelican, then prepared: what the CLI and the tests build with."""
    settings = prepared(read_settings(path, override=overrides or {}), os.path.basename(path))
    # Pelican makes its own paths absolute from the settings file; ours too.
    private = settings["PRIVATE_OUTPUT_PATH"]
    if not os.path.isabs(private):
        settings["PRIVATE_OUTPUT_PATH"] = os.path.join(os.path.dirname(os.path.abspath(path)), private)
    return settings


def _forget_rendered_texts() -> None:
    """Pelican memoizes each text's content and summary (Content.get_content and
    get_summary, pelican.utils.memoized) in a dict of the class, for the life of the
    process: livereload's kept every build's texts, 52 MiB more at each build of a
    thousand long articles. The previous build's go when the next one starts."""
    from pelican.contents import Content

    Content.get_content.cache.clear()
    Content.get_summary.cache.clear()


def build(settings: dict, quiet: bool = True) -> BuildResult:
    """Build the site described by `settings`; raise BuildError on any problem."""
    started = time.perf_counter()
    _forget_rendered_texts()
    problems = check_content(settings)
    private = Path(settings["PRIVATE_OUTPUT_PATH"]).resolve()
    public = Path(settings["OUTPUT_PATH"]).resolve()
    if private == public or public in private.parents:
        problems.append(Problem("pelicanconf.py", None, f"PRIVATE_OUTPUT_PATH ({private}) ne peut pas "
                                "être dans OUTPUT_PATH, qui est public"))
    if problems:
        raise BuildError(problems)

    # Build into a fresh sibling folder and swap it in only on success, so a
    # failed build leaves the previous site whole.
    output = Path(settings["OUTPUT_PATH"])
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    settings = dict(settings, OUTPUT_PATH=str(staging), DELETE_OUTPUT_DIRECTORY=False,
                    CONTENT_ALREADY_CHECKED=True,
                    CACHE_PATH=_cache_path(settings),
                    # Pelican's Markdown reader adds an `extensions` list to this dict in
                    # place: on the caller's dict, the next build (livereload's first
                    # rebuild) would compute another cache key and read every file again.
                    MARKDOWN=_copied(settings.get("MARKDOWN")))
    if "bytecode_cache" not in settings["JINJA_ENVIRONMENT"]:
        # Templates compiled once, not at every build (0.3 s of a livereload rebuild);
        # Jinja checks each one against its source before using it.
        from jinja2 import FileSystemBytecodeCache

        folder = Path(settings["CACHE_PATH"]) / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        settings["JINJA_ENVIRONMENT"] = dict(settings["JINJA_ENVIRONMENT"],
                                             bytecode_cache=FileSystemBytecodeCache(str(folder)))
    if settings.get("LOAD_CONTENT_CACHE") and (output / "index.html").exists():
        settings[PREVIOUS_OUTPUT] = str(output)  # unchanged pages are linked from there
    discard_fingerprints(settings["CACHE_PATH"])  # an interrupted build's, if any

    requested = list(settings.get("PLUGINS") or [])
    collector = _Collector()
    counter = _Counter()
    root = logging.getLogger()
    root.addHandler(collector)
    was_quiet = console.quiet
    console.quiet = quiet  # Pelican's own English summary line; ours is French
    pelican = None
    try:
        pelican = Pelican(settings)
        open_background(pelican)  # Pagefind and the audit's reading may run beside the build
        loaded = set(pelican.settings["PLUGINS"])
        missing = [name for name in requested if name not in loaded]
        if missing:
            raise BuildError([Problem("pelicanconf.py", None,
                                      f"extension introuvable ou en erreur : {', '.join(missing)}")])
        signals.all_generators_finalized.connect(counter)
        pelican.run()
        if collector.errors:
            raise BuildError(collector.errors)
        refused = gather(site_staged, pelican, output=staging)  # the tiers audit, among others
        refused += [p for p in settle(pelican) if p not in refused]  # Pagefind's failure, if any
        if refused:
            raise BuildError(refused)
    except BuildError:
        _stop_then_remove(pelican, staging)
        _forget_failed_build(settings["CACHE_PATH"])
        raise
    except Exception as error:  # Pelican raises for e.g. two pages writing one file
        _stop_then_remove(pelican, staging)
        _forget_failed_build(settings["CACHE_PATH"])
        # The errors logged before the crash name the cause better than the crash.
        raise BuildError(collector.errors or [f"échec de Pelican : {error}"]) from error
    finally:
        if pelican is not None:
            abandon(pelican)  # a failed or interrupted build leaves nothing running
        console.quiet = was_quiet
        root.removeHandler(collector)
        signals.all_generators_finalized.disconnect(counter)
    _swap(staging, output)
    commit_fingerprints(settings["CACHE_PATH"], output)
    warnings = [w for w in collector.warnings if not w.startswith(_UNSAVED_CACHE)]
    if len(warnings) < len(collector.warnings):
        # Pelican writes its cache in place: a save that failed half-way (a value
        # that would not pickle, a full disk) leaves a file the next build cannot
        # load, and Pelican does not catch that. Gone, the next build reads all.
        shutil.rmtree(settings["CACHE_PATH"], ignore_errors=True)
        warnings.append("le cache de Pelican n’a pas pu être enregistré\u00a0: la prochaine construction "
                        "relira tout")
    return BuildResult(
        output_path=output,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
        editions=tuple(pelican.settings.get("NEWSLETTER_EDITIONS_WRITTEN") or ()),
        previews=tuple(counter.previews),
        generators=tuple(counter.generators),
        **counter.counts,
    )


_UNSAVED_CACHE = "Could not save cache"  # Pelican's warning (pelican/cache.py)


def _stop_then_remove(pelican, staging: Path) -> None:
    """A failed build's background work (Pagefind, the search service's update) is
    stopped before its folder goes: it would otherwise read or write a folder half gone."""
    if pelican is not None:
        abandon(pelican)
    shutil.rmtree(staging, ignore_errors=True)


def _forget_failed_build(cache_path: str) -> None:
    """A failed build leaves nothing in the cache for the next one to trust.

    Pelican saves its reader cache whether or not the build then fails, and a
    reader that reports a problem and returns an empty text (tiers, on a
    wrong divider) is cached like any other read: the next build, finding the
    file unchanged, would not read it again, so would neither report the
    problem nor fail. So the whole cache folder goes, reads and fingerprints:
    the next build reads every file and renders every page again.
    """
    discard_fingerprints(cache_path)
    shutil.rmtree(cache_path, ignore_errors=True)


# Settings that change what Pelican's readers and content objects hold (every one
# its readers.py and contents.py read); the reader cache depends on them, and on
# every setting of the plugins' tables, since the plugins run inside the readers.
_READER_SETTINGS = ("MARKDOWN", "DOCUTILS_SETTINGS", "PYGMENTS_RST_OPTIONS", "FORMATTED_FIELDS", "READERS",
                    "PLUGINS", "DEFAULT_LANG", "TIMEZONE", "DEFAULT_DATE", "DEFAULT_DATE_FORMAT", "DATE_FORMATS",
                    "DEFAULT_METADATA", "FILENAME_METADATA", "PATH_METADATA", "EXTRA_PATH_METADATA",
                    "DEFAULT_CATEGORY", "USE_FOLDER_AS_CATEGORY", "WITH_FUTURE_DATES", "SLUGIFY_SOURCE",
                    "SLUGIFY_PRESERVE_CASE", "SLUGIFY_USE_UNICODE", "SUMMARY_MAX_LENGTH", "SUMMARY_MAX_PARAGRAPHS",
                    "SUMMARY_END_SUFFIX", "INTRASITE_LINK_REGEX", "ARTICLE_TRANSLATION_ID", "PAGE_TRANSLATION_ID")
_NOT_READ = ("NEWSLETTER_EDITION", "PRIVATE_OUTPUT_PATH")  # what a build is asked to do, where it writes


def _reader_keys(settings: dict) -> list[str]:
    from .settings import tables

    keys = set(_READER_SETTINGS)
    keys |= {k for k in settings if k.startswith("TYPOGRIFY") or k.endswith("_REGEX_SUBSTITUTIONS")}
    for table in tables(settings):
        keys |= set(table.defaults)
    return sorted(keys - set(_NOT_READ))


def _copied(value):
    """Dicts and lists copied at every depth; anything else (functions) shared."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def _stable(value) -> str:
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_stable(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_stable(v) for v in value) + "]"
    return repr(value)


def _cache_path(settings: dict) -> str:
    """A cache folder per version of the plugins and reader settings.

    Pelican keys its content cache on the source files only; the plugins'
    output is stored in it too (typography runs in the reader), so a change
    to their code or settings must start from a fresh cache.
    """
    digest = hashlib.sha256()
    for folder in settings.get("PLUGIN_PATHS", []):
        for path in sorted(Path(folder).rglob("*.py")):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    for key in _reader_keys(settings):
        digest.update(f"{key}={_stable(settings.get(key))}".encode())
    base = Path(settings["CACHE_PATH"])
    current = base / digest.hexdigest()[:16]
    if base.exists():
        for old in base.iterdir():
            if old.is_dir() and old != current:
                shutil.rmtree(old, ignore_errors=True)
    return str(current)


def _swap(staging: Path, output: Path) -> None:
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    if output.exists():
        retired = output.with_name(f".{output.name}-old-{staging.name[-8:]}")
        output.rename(retired)
        staging.rename(output)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(output)


class _Counter:
    """Counts what the generators produced, for the French summary line."""

    def __init__(self):
        self.counts = {"articles": 0, "drafts": 0, "pages": 0, "issues": 0}
        self.previews: list[tuple[str, str]] = []
        self.generators: list = []

    def __call__(self, generators):
        self.generators = list(generators)
        for generator in generators:
            for draft in list(getattr(generator, "drafts", ())) + list(getattr(generator, "draft_pages", ())):
                if draft.save_as:
                    siteurl = draft.settings.get("SITEURL", "").rstrip("/")
                    source = os.path.relpath(draft.source_path, os.path.dirname(generator.path))
                    self.previews.append((f"{siteurl}/{draft.url}", source))
            if hasattr(generator, "hidden_articles"):
                self.counts["articles"] = len(generator.articles)
                self.counts["drafts"] = len(generator.drafts)
            elif hasattr(generator, "hidden_pages"):
                self.counts["pages"] = len(generator.pages)
            elif hasattr(generator, "issues"):
                self.counts["issues"] = len(generator.issues)

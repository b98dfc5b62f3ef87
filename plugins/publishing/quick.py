"""livereload's quick path: one text saved, its pages in place in a fraction of a second.

Pelican builds the whole site every time; with a thousand articles even an
incremental build takes seconds. But while an author writes, the change is
almost always the one file open in the editor. So livereload's process keeps the
generators of its last build (LiveSite) and, for such a save:
- reads the file again with the same readers (every plugin's reading: tiers
  split, typography, reading time) and runs the metadata checks on it; any
  warning or error and the full build runs instead, to say it;
- gives the new text what the build attached to the old one after reading
  (neighbours, comments, reactions, translations: `_attached_after_reading`),
  resolves its metadata's links as Pelican does once everything is read, lets
  the plugins bring up to date what they attach from the text itself
  (content_refreshed: the tier gates), and puts it in the old one's place in
  every list, noting where it was found (_stand_in);
- renders the pages that can show the edit:
  - when what other pages show of it is the same (an article's address, title,
    date, status, category, tags, series, summary and reading time:
    `incremental.shown_elsewhere`; a page's menu entry; nothing at all for a
    draft, article or letter), its own page and the feeds;
  - when only its card changed (a title, a summary, a reading time that crosses
    a minute) and its place in every list stayed (address, date, category, tags,
    series, language, order: `_place`), every page that shows it: those whose
    template reads something holding it (shown.py: its neighbours', its series',
    the listings' pages that hold its card, the archives, the home page's « Les
    plus commentés »), and the feeds;
  - a new draft, a draft deleted, or a draft whose address moved (an article,
    a page or a letter that no other page shows) adds or removes its own page
    (_may_join, _may_leave): the plugins attach to a new text what the build
    attaches after reading, or say that something else points at it
    (content_refreshed with no previous text, or no new one);
  - an article that moves in the lists (its date, tags, category, series,
    status or address), a new published article or one deleted: the articles
    are listed again from memory as the build lists them, and every page whose
    template reads something that changed is written again, those no longer
    written are taken away (_move, relist.py);
  - anything else (a page's title in the menus, a published letter, a comment,
    several files at once) goes to the full build;
- has them audited (quick_pages: the leak audit, against every source as it is
  now), and puts those that changed in place, atomically, forgetting their
  fingerprints, and removes those taken away.
The full build then runs and confirms it (the private copies and feeds of the
members, the sitemap, the search index, every check, the whole audit); if it
fails, the pages are put back as they were, so a failed build still leaves the
previous site whole.
"""
from __future__ import annotations

import logging
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace

from pelican import signals
from pelican.contents import Article, Page
from pelican.generators import ArticlesGenerator, PagesGenerator, TemplatePagesGenerator
from pelican.readers import SkipStub
from pelican.writers import Writer

from shared import write_atomic

from .build import BuildError, BuildResult, build
from .checks import KNOWN_KEYS, check_file, implied_keys
from .contents import ARTICLE_LISTS, PAGE_LISTS, contents
from .hooks import content_refreshed, gather, pages_placed, quick_pages
from .incremental import SITE_ATTRIBUTES, forget_pages, listed, shown_elsewhere
from .pool import article_items, write_article
from .relist import ChangedWriter, PageInputs, RecordingWriter, Unread, fast_membership, relist
from .shown import ShowingWriter, TemplateReads



@dataclass(frozen=True)
class QuickResult:
    source: Path
    pages: tuple  # paths relative to the output, put in place
    seconds: float  # from the call to the pages in place
    removed: tuple = ()  # paths relative to the output, taken away (a draft deleted or moved)


def _resolved(path) -> Path:
    return Path(path).resolve()


class _Said(logging.Handler):
    """Anything worth telling the author, said while the file was read again."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.said = False

    def emit(self, record):
        self.said = True


def _replace(value, old, new, held: dict) -> bool:
    """Every reference to `old` in these lists, dicts and tuples becomes `new`; whether
    `value` held one, at any depth (`held`: each container's answer, by id)."""
    if id(value) in held:
        return held[id(value)]
    held[id(value)] = False  # a container that holds itself
    found = False
    if isinstance(value, list):
        for index, item in enumerate(value):
            if item is old:
                value[index] = new
                found = True
            elif isinstance(item, (list, dict, tuple)):
                found = _replace(item, old, new, held) or found
    elif isinstance(value, dict):
        for key, item in value.items():
            if item is old:
                value[key] = new
                found = True
            elif isinstance(item, (list, dict, tuple)):
                found = _replace(item, old, new, held) or found
    elif isinstance(value, tuple):
        for item in value:
            if isinstance(item, (list, dict, tuple)):
                found = _replace(item, old, new, held) or found
    held[id(value)] = found
    return found


def _holders(mapping: dict, old, new, held: dict, skipped=frozenset()) -> set:
    """`_replace` on each value of `mapping` but the `skipped` names; the names whose
    value held `old`."""
    names = set()
    for name, value in mapping.items():
        if name in skipped:
            continue
        if value is old:
            mapping[name] = new
            names.add(name)
        elif isinstance(value, (list, dict, tuple)) and _replace(value, old, new, held):
            names.add(name)
    return names


_LINKED = {"translations"}  # set by Pelican's generator after reading, once every text is read


def _attached_after_reading(name: str, old, new) -> bool:
    """Whether the build gave `old` this attribute after reading it, so that `new`,
    just read, must have it too: neighbours, comments and reactions are added (`new`
    lacks them; an attribute of the metadata that `new` lacks is one its text no
    longer gives, such as `tier_split` once the dividers are gone); a series is
    Pelican's `Series:` string in the metadata, which longform replaces with the
    series itself (kept when the metadata is the same); translations are linked
    by Pelican. What Pelican keeps for itself (`_summary`, `_content`) never is."""
    if name in _LINKED:
        return True
    if name.startswith("_"):  # Pelican's own state (the summary it resolved): the new text's
        return False
    if name not in vars(new):
        return name not in old.metadata
    metadata = new.metadata
    return (name in metadata and getattr(new, name) is metadata[name]
            and getattr(old, name) is not old.metadata.get(name) and old.metadata.get(name) == metadata[name])


class LiveSite:
    """The site as livereload's process knows it: its last build, and the pages
    put in place since by the quick path (with what they replaced)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.result: BuildResult | None = None
        self.replaced: dict[Path, bytes | None] = {}  # page -> its bytes before the quick path
        self._sources: dict | None = None  # resolved source path -> its text, in the last build
        self._files: set[Path] = set()  # every file of content/ when the last build ended
        self._reads = TemplateReads()  # what each template reads (parsed once, kept across builds)
        self._recording: RecordingWriter | None = None  # what each file shows (relist.py), or not noted yet
        self._pending: set[Path] = set()  # files saved since the last build that succeeded

    # The full build -------------------------------------------------------

    def build(self) -> BuildResult:
        """The whole site, as `invoke build` makes it; BuildError if it fails, and
        then the pages the quick path put in place since the last build are put back."""
        try:
            result = build(self.settings)
        except BuildError as error:
            error.problems.extend(self._put_back())  # the search index's, if it could not follow
            raise
        except Exception:
            self._put_back()
            raise
        self.result, self.replaced, self._sources, self._pending = result, {}, None, set()
        self._reads.forget_environments()
        self._files = {_resolved(Path(folder) / name) for folder, _, names in os.walk(self.settings["PATH"])
                       for name in names}
        if result.generators:  # the audit makes ready its probes while the author writes
            gather(quick_pages, result.generators[0].settings, pages={})
        for generator in result.generators:  # and the templates are read for what they show
            if getattr(generator, "env", None) is not None:
                self._reads.parse(generator.env)
        self._recording = None
        if result.generators:  # and the texts by file, and what each page shows, for a move
            self._by_source()
            try:
                self._recorded()
            except Exception:  # a theme or plugin the dry run cannot follow: the first move says it
                self._recording = None
        return result

    def _put_back(self) -> list:
        for page, data in self.replaced.items():
            if data is None:
                page.unlink(missing_ok=True)
            else:
                write_atomic(page, data)
        problems = self.placed() if self.replaced else []
        self.replaced = {}
        return problems

    def placed(self) -> list:
        """Tells the plugins that follow the public pages (the search index) that some
        changed in place; the problems they had (said, the pages stay)."""
        if self.result is None:
            return []
        return gather(pages_placed, self.settings, output=Path(self.result.output_path))

    # The quick path -------------------------------------------------------

    def quick(self, changed: list[Path]) -> QuickResult | None:
        """The page of the one text in `changed` (an article, a page, or a draft of
        the letter), put in place; None when the change is anything else (the full
        build is then the way)."""
        started = time.perf_counter()
        # A file made and removed since the build (an editor's test or lock file: Vim's
        # "4913") changed nothing; one that was there and is gone did.
        changed = [path for path in map(_resolved, changed) if path.exists() or path in self._files]
        # Files saved since the last build that succeeded, other than this one: the site in
        # memory does not hold them (their build failed), so only a full build can show them.
        earlier, self._pending = self._pending, self._pending | set(changed)
        if self.result is None or len(changed) != 1 or earlier - set(changed):
            return None
        source = changed[0]
        generator, old = self._by_source().get(source, (None, None))
        removed: list[str] = []
        undo = None  # puts the lists back as they were, if the pages are not put in place
        if old is None:  # a new file
            generator = self._claimant(source) if source.is_file() and source not in self._files else None
            content_class = self._content_class(generator)
            new = None if content_class is None else self._read_again(generator, source, content_class)
            if new is None:
                return None
            if self._draft(generator, new):  # which no other page shows
                if not self._may_join(generator, new):
                    return None
                self._join(generator, new)
                pages = self._render(generator, new)
            else:
                moved = self._move(generator, None, new)
                if moved is None:
                    return None
                pages, removed, undo = moved
        elif not source.is_file():  # a text deleted
            if self._draft(generator, old):
                if not self._may_leave(generator, old):
                    return None
                self._leave(generator, old)
                pages, removed = {}, [old.save_as]
            else:
                moved = self._move(generator, old, None)
                if moved is None:
                    return None
                pages, removed, undo = moved
        else:
            new = self._read_again(generator, source, type(old))
            if new is None:
                return None
            if self._moved_draft(generator, old, new):
                if not (self._may_leave(generator, old) and self._may_join(generator, new, leaving=old)):
                    return None
                self._leave(generator, old)
                self._join(generator, new)
                pages, removed = self._render(generator, new), [old.save_as]
            elif self._moves(generator, old, new):
                moved = self._move(generator, old, new)
                if moved is None:
                    return None
                pages, removed, undo = moved
            else:
                shown = self._stand_in(generator, old, new)
                if shown is None:
                    return None
                pages = self._showing(generator, new, shown) if shown.card else self._render(generator, new)
        if gather(quick_pages, generator.settings, pages=pages):
            if undo is not None:
                undo()
            self._recording = None
            return None  # the full build says why
        if undo is None:  # a text stood in for another, or a draft came or went: noted again at the next move
            self._recording = None
        removed = [os.path.normpath(name) for name in removed]
        # Their fingerprints go first: if the process dies among the writes, no later build
        # trusts a page it did not render (the text may be back as it was by then).
        forget_pages(generator.settings["CACHE_PATH"], list(pages) + removed)
        output = Path(self.result.output_path).resolve()
        for name in removed:
            page = output / name
            if page not in self.replaced:
                self.replaced[page] = page.read_bytes() if page.is_file() else None
            page.unlink(missing_ok=True)
        for name, data in pages.items():
            page = output / name
            if page not in self.replaced:
                self.replaced[page] = page.read_bytes() if page.is_file() else None
            write_atomic(page, data)
        return QuickResult(source, tuple(sorted(pages)), time.perf_counter() - started, tuple(sorted(removed)))

    # An article that moves in the lists ----------------------------------------

    def _moves(self, generator, old, new) -> bool:
        """Whether an edit moves an article in the lists (its status, address, date,
        taxonomy, series, language or order; a draft's lists aside): relist's to follow."""
        if not isinstance(generator, ArticlesGenerator) or (self._draft(generator, old) and self._draft(generator, new)):
            return False
        settings = generator.settings
        return ((new.status, new.save_as, new.url) != (old.status, old.save_as, old.url)
                or _place(old, settings) is None or _place(old, settings) != _place(new, settings))

    def _move(self, generator, old, new):
        """An article that moves in the lists, is new or is deleted (`old` or `new` None):
        the lists made again as the build makes them (relist.py), and every page whose
        template reads something that changed, rendered; (pages, removed, undo), or None
        when the quick path cannot follow (the full build then does)."""
        if not isinstance(generator, ArticlesGenerator):
            return None
        text = new if new is not None else old
        if (old is None or new is None or old.url != new.url) and self._linked_elsewhere(text):
            return None  # another text's page links to its address
        if new is not None and old is None and _links_files(new):
            return None
        output = Path(self.result.output_path).resolve()
        if new is not None and (old is None or new.save_as != old.save_as) and (output / new.save_as).exists():
            return None  # another page's address: the build says which
        settings = generator.settings
        texts = {item.get_relative_source_path(): item for item in contents([generator], ARTICLE_LISTS)}
        before = self._recorded()
        moved = dict(texts)
        key = text.get_relative_source_path()
        moved.pop(key, None)
        if new is not None:
            moved[key] = new

        def undo():
            relist(generator, texts)

        said = _Said()
        root = logging.getLogger()
        root.addHandler(said)
        try:
            relist(generator, moved)
            problems = []
            if new is not None:
                new.override_url = new.url  # as publishing's freeze_urls does once everything is read
                if hasattr(new, "refresh_metadata_intersite_links"):
                    new.refresh_metadata_intersite_links()
                # What the plugins attach from the text itself (the gates); the lists'
                # attachments (neighbours, series, comments, echoes) relist has made.
                problems = gather(content_refreshed, settings, content=new, previous=_NOTHING,
                                  generators=list(self.result.generators))
        except Unread:  # a file no build has read yet (relist put the lists back): the full build reads it
            return None
        except Exception:  # whatever it is, the full build reports it
            problems = [None]
        finally:
            root.removeHandler(said)
        # Pelican's loggers say a warning once a process: one heard here is this edit's
        # (a warning every build gives, such as webmentions for a page that is not an
        # article, was said by the first build only).
        if problems or said.said:
            undo()
            return None
        with self._folder() as folder:  # Pelican makes the pages' folders there; their bytes stay in memory
            writer = ChangedWriter(folder, settings, PageInputs(self._reads, contents(self.result.generators)), before)
            self._write_all(writer)
        pages = self._differing(writer.rendered, new)
        self._recording = writer  # what every file shows now: the next move's `before`
        source = _resolved(text.source_path)
        if self._sources is not None:
            if new is None:
                self._sources.pop(source, None)
            else:
                self._sources[source] = (generator, new)
        if new is None:
            self._files.discard(source)
        else:
            self._files.add(source)
        return pages, sorted(writer.gone()), undo

    def _recorded(self) -> RecordingWriter:
        """What every file of the site shows, as the lists are now (noted after each full
        build, while the author writes, and kept by each move; another quick edit since
        makes it be noted again)."""
        if self._recording is None:
            settings = self.result.generators[0].settings
            recording = RecordingWriter(settings["OUTPUT_PATH"], settings,
                                        PageInputs(self._reads, contents(self.result.generators)))
            self._write_all(recording)
            self._recording = recording
        return self._recording

    def _write_all(self, writer, articles=None, feeds: bool = True) -> None:
        """What the generators write once the site is read (the static files aside), through
        `writer`; the articles' pages by `articles(generator, write)` (by default all of them),
        in Pelican's order (not on two cores)."""
        for each in self.result.generators:
            if isinstance(each, ArticlesGenerator):
                if feeds:
                    each.generate_feeds(writer)
                shared = vars(each).get("generate_articles")  # share_writes's, if it set one
                each.generate_articles = partial(articles or partial(_write_articles, writer=writer), each)
                restore = fast_membership(each)
                try:
                    each.generate_pages(writer)
                finally:
                    restore()
                    if shared is None:
                        del each.generate_articles
                    else:
                        each.generate_articles = shared
            elif isinstance(each, (PagesGenerator, TemplatePagesGenerator)) or hasattr(each, "issues"):
                each.generate_output(writer)

    def _by_source(self) -> dict:
        """Each text by its file, resolved once a build (links: the same file)."""
        if self._sources is None:
            self._sources = {}
            for generator in self.result.generators:
                if isinstance(generator, ArticlesGenerator):
                    found = contents([generator], ARTICLE_LISTS)
                elif isinstance(generator, PagesGenerator):
                    found = contents([generator], PAGE_LISTS)
                elif hasattr(generator, "issues"):  # the newsletter's: its drafts only, shown nowhere else
                    found = getattr(generator, "drafts", ())
                else:
                    continue
                self._sources.update({_resolved(item.source_path): (generator, item) for item in found})
        return self._sources

    # A draft added, deleted or moved ------------------------------------------

    def _claimant(self, source: Path):
        """The one generator that reads this new file as a text (Pelican's own
        rules: paths, excludes, ignored names, readers' extensions), or None."""
        claimants = []
        for generator in self.result.generators:
            paths = _TEXT_PATHS.get(type(generator)) or (("NEWSLETTER_PATHS", None) if hasattr(generator, "issues")
                                                         else None)
            if paths is None:
                continue
            settings = generator.settings
            relative = os.path.relpath(source, Path(generator.path).resolve())
            found = generator.get_files(settings[paths[0]], exclude=settings.get(paths[1]) or [])
            if relative in {os.path.normpath(name) for name in found}:
                claimants.append(generator)
        return claimants[0] if len(claimants) == 1 else None

    @staticmethod
    def _content_class(generator):
        if generator is None:
            return None
        for item in contents([generator]):
            return type(item)
        return _TEXT_CLASSES.get(type(generator))

    @staticmethod
    def _draft(generator, item) -> bool:
        """Whether no other page shows this text: a draft of an article, a page or a letter."""
        if item.status != "draft" or not item.save_as:
            return False
        return isinstance(generator, (ArticlesGenerator, PagesGenerator)) or hasattr(generator, "issues")

    def _moved_draft(self, generator, old, new) -> bool:
        return (self._draft(generator, old) and self._draft(generator, new) and type(new) is type(old)
                and (new.save_as, new.url) != (old.save_as, old.url))

    def _may_join(self, generator, new, leaving=None) -> bool:
        """Whether a draft just read can join its generator without the full build: no
        other page shows it, links to it or shares its address (`leaving`: the text it
        replaces, whose address moved). The plugins attach to it what the build attaches
        after reading, or say that something else points at it (a conversation)."""
        if not self._draft(generator, new) or self._linked_elsewhere(new) or _links_files(new):
            return False
        output = Path(self.result.output_path).resolve()
        if (output / new.save_as).exists() or any(
                item is not leaving and (item.slug == new.slug or item.save_as == new.save_as)
                for item in contents(self.result.generators)):
            return False  # another text's address, or its translation: the build says which
        return not gather(content_refreshed, generator.settings, content=new, previous=None,
                          generators=list(self.result.generators))

    def _join(self, generator, new) -> None:
        new.override_url = new.url  # as publishing's freeze_urls does once everything is read
        # Appended: no page shows the drafts' order.
        getattr(generator, _DRAFTS.get(type(generator), "drafts")).append(new)
        generator.add_source_path(new)
        source = _resolved(new.source_path)
        self._files.add(source)
        if self._sources is not None:
            self._sources[source] = (generator, new)

    def _may_leave(self, generator, old) -> bool:
        """Whether a draft can leave (its file deleted, or its address moved) without
        the full build: nothing else points at it."""
        return (self._draft(generator, old) and not self._linked_elsewhere(old)
                and not gather(content_refreshed, generator.settings, content=None, previous=old,
                               generators=list(self.result.generators)))

    def _leave(self, generator, old) -> None:
        for name in (*ARTICLE_LISTS, *PAGE_LISTS):
            items = getattr(generator, name, None)
            if isinstance(items, list):
                items[:] = [item for item in items if item is not old]
        generated = generator.context.get("generated_content", {})
        key = old.get_relative_source_path()
        if generated.get(key) is old:
            del generated[key]
        source = _resolved(old.source_path)
        if not source.exists():
            self._files.discard(source)
        if self._sources is not None and self._sources.get(source, (None, None))[1] is old:
            del self._sources[source]

    def _linked_elsewhere(self, item) -> bool:
        """Whether another text may link to this one's file ({filename}, |filename|): its
        page would then change too. The files are read as they are now, not as the last
        build read them (a text saved since, whose build failed, is not in memory)."""
        source = _resolved(item.source_path)
        name = source.name.encode()
        extensions = {f".{extension}" for extension in self.result.generators[0].readers.extensions}
        for folder, _, names in os.walk(self.settings["PATH"], followlinks=True):
            for each in names:
                path = Path(folder) / each
                if path.suffix not in extensions or _resolved(path) == source:
                    continue
                try:
                    data = path.read_bytes()
                except OSError:
                    return True  # unknown: the full build decides
                if name in data and (b"filename}" in data or b"|filename|" in data):
                    return True
        return False

    def _read_again(self, generator, source: Path, content_class):
        settings = generator.settings
        article, page = isinstance(generator, ArticlesGenerator), isinstance(generator, PagesGenerator)
        relative = os.path.relpath(source, generator.path)
        shown = os.path.join(os.path.basename(os.path.normpath(settings["PATH"])), relative)
        said = _Said()
        root = logging.getLogger()
        root.addHandler(said)
        try:
            known = KNOWN_KEYS | {k.lower() for k in settings["EXTRA_METADATA_KEYS"]}
            implied = frozenset(implied_keys(settings, source.relative_to(Path(settings["PATH"]).resolve())))
            kind = "articles" if article else "pages" if page else "newsletter"
            problems, _ = check_file(source, kind, shown, known, implied)
            if problems:
                return None
            signalled = {}  # as each generator reads (the newsletter's sends none)
            if article or page:
                prefix = "article_generator" if article else "page_generator"
                signalled = dict(preread_signal=getattr(signals, f"{prefix}_preread"), preread_sender=generator,
                                 context_signal=getattr(signals, f"{prefix}_context"), context_sender=generator)
            new = generator.readers.read_file(base_path=generator.path, path=relative, content_class=content_class,
                                              context=generator.context, **signalled)
            if isinstance(new, SkipStub) or not new.is_valid():
                return None
        except Exception:  # whatever it is, the full build reports it
            return None
        finally:
            root.removeHandler(said)
        return None if said.said else new

    def _stand_in(self, generator, old, new) -> _Shown | None:
        """The new text stands in for the old one everywhere; None when the quick path
        cannot show the edit (the full build then does). What other pages show of it
        may change (its card: title, summary, reading time…) only if its place in every
        list stays (address, date, category, tags, series, language, order): the pages
        showing it are then those the returned _Shown names. A draft is shown by no
        other page: only its address must stay."""
        if (new.status, new.save_as, new.url, type(new)) != (old.status, old.save_as, old.url, type(old)):
            return None
        for name, value in vars(old).items():
            if _attached_after_reading(name, old, new):
                setattr(new, name, value)
        if hasattr(new, "refresh_metadata_intersite_links"):  # as Pelican.run does once all is read
            new.refresh_metadata_intersite_links()
        card = new.status != "draft" and self._listed(generator, new) != self._listed(generator, old)
        if card:  # only an article that keeps its place in every list
            place = _place(old, generator.settings) if isinstance(generator, ArticlesGenerator) else None
            if place is None or place != _place(new, generator.settings):
                return None
        generators = list(self.result.generators)
        if gather(content_refreshed, generator.settings, content=new, previous=old, generators=generators):
            return None
        if self._sources is not None:
            self._sources[_resolved(new.source_path)] = (generator, new)
        held: dict[int, bool] = {id(generator.settings): False}
        keys = _holders(generator.context, old, new, held)  # the shared context's names that showed it
        held[id(generator.context)] = bool(keys)
        for each in generators:
            _replace(vars(each), old, new, held)
        # The texts whose own attributes held it: neighbours, series, translations.
        items = {id(item) for item in contents(generators) if _holders(vars(item), old, new, held, SITE_ATTRIBUTES)}
        return _Shown(card, frozenset(items), frozenset(keys))

    @staticmethod
    def _listed(generator, item) -> list:
        """What other pages show of an item: an article's card and place in the lists;
        of a page, its place in the menus (no listing shows a page's card)."""
        return shown_elsewhere(item) if isinstance(generator, ArticlesGenerator) else listed(item)

    def _showing(self, generator, item, shown: _Shown) -> dict[str, bytes]:
        """Every page that shows the item's card (ShowingWriter), and the feeds that
        show it, rendered as the generators render them."""
        settings = generator.settings
        with self._folder() as folder:
            writer = ShowingWriter(folder, settings, item, shown.items, shown.keys, generator.context, self._reads)
            self._write_all(writer, lambda each, write: self._articles_showing(each, item, writer, write),
                            feeds=item.status == "published")
            return self._changed(folder, item)

    def _render(self, generator, item) -> dict[str, bytes]:
        """The item's page as its generator renders it (generate_articles or
        generate_drafts; the pages' and the newsletter's generate_output), and the feeds that show
        it, as generate_feeds writes them (those that changed)."""
        settings = generator.settings
        with self._folder() as folder:
            writer = Writer(folder, settings=settings)
            template = generator.get_template(item.template)
            if isinstance(generator, ArticlesGenerator):
                write_article(generator, partial(writer.write_file, relative_urls=settings["RELATIVE_URLS"]), item)
                if item.status == "published":
                    generator.generate_feeds(writer)
            elif isinstance(generator, PagesGenerator):
                writer.write_file(item.save_as, template, generator.context, page=item,
                                  relative_urls=settings["RELATIVE_URLS"],
                                  override_output=hasattr(item, "override_save_as"), url=item.url)
            else:  # a draft of the letter
                writer.write_file(item.save_as, template, generator.context, issue=item,
                                  relative_urls=settings["RELATIVE_URLS"], url=item.url)
            return self._changed(folder, item)

    @staticmethod
    def _articles_showing(generator, item, writer, write) -> None:
        """generate_articles for the pages that show the item, in Pelican's order: the
        others are not even asked (a thousand of them)."""
        for article in article_items(generator):
            template = generator.get_template(article.template)
            if writer.shows(template, {"article": article}, generator.context):
                write_article(generator, write, article)

    @contextmanager
    def _folder(self):
        """A folder beside the output, where the pages are rendered before being put in place."""
        output = Path(self.result.output_path).resolve()
        with tempfile.TemporaryDirectory(prefix=f".{output.name}-quick-", dir=output.parent) as folder:
            yield folder

    def _changed(self, folder, item) -> dict[str, bytes]:
        """The files rendered in `folder` that differ from the output's (the item's page always)."""
        return self._differing({str(path.relative_to(folder)): path.read_bytes()
                                for path in Path(folder).rglob("*") if path.is_file()}, item)

    def _differing(self, rendered: dict[str, bytes], item) -> dict[str, bytes]:
        """The files rendered that differ from the output's (the item's page always)."""
        output = Path(self.result.output_path).resolve()
        page = os.path.normpath(item.save_as) if item is not None else None
        pages = {}
        for name, data in rendered.items():
            try:
                same = name != page and (output / name).read_bytes() == data
            except OSError:  # not there yet
                same = False
            if not same:
                pages[name] = data
        return pages


_NOTHING = SimpleNamespace()  # what the build attached to a text before its move: relist attaches anew


def _write_articles(generator, write, writer) -> None:
    """generate_articles, for `writer`: a ChangedWriter is not even asked for the pages
    that certainly did not change."""
    same = writer.same_page if isinstance(writer, ChangedWriter) else None
    for article in article_items(generator):
        if same is None or not same(article, generator.get_template(article.template), generator.context):
            write_article(generator, write, article)


_TEXT_PATHS = {ArticlesGenerator: ("ARTICLE_PATHS", "ARTICLE_EXCLUDES"), PagesGenerator: ("PAGE_PATHS", "PAGE_EXCLUDES")}
_TEXT_CLASSES = {ArticlesGenerator: Article, PagesGenerator: Page}
_DRAFTS = {ArticlesGenerator: "drafts", PagesGenerator: "draft_pages"}  # where a draft is held (the letter's: drafts)


def _links_files(item) -> bool:
    """Whether a text links a file ({static}, {attach}): the build copies (or moves) it."""
    text = vars(item).get("_content") or ""
    return any(marker in text for marker in ("{static}", "|static|", "{attach}", "|attach|"))


@dataclass(frozen=True)
class _Shown:
    """Where the edited text is shown besides its own page (LiveSite._stand_in)."""
    card: bool  # what other pages show of it changed
    items: frozenset  # ids of the texts whose pages show it (their attributes held it)
    keys: frozenset  # names of the shared context that hold it


def _place(item, settings) -> list | None:
    """Where an article stands in every list (Pelican's and the plugins'): while it is
    the same, an edit changes what the lists show of it, never their order or members.
    None when the order is one the quick path cannot follow (a function)."""
    order = settings.get("ARTICLE_ORDER_BY", "reversed-date")
    if not isinstance(order, str):
        return None
    by = order.removeprefix("reversed-")
    extra = str(getattr(item, by, None)) if by not in ("date", "basename") else None
    metadata = item.metadata
    return [str(getattr(item, "date", None)), str(getattr(item, "category", None)),
            [str(tag) for tag in getattr(item, "tags", None) or ()],
            [str(author) for author in getattr(item, "authors", None) or ()],
            metadata.get("series"), metadata.get("series_index"), getattr(item, "lang", None),
            str(getattr(item, settings.get("ARTICLE_TRANSLATION_ID") or "slug", None)), extra]

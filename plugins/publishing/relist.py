"""Which pages change when an article moves in the lists: livereload's quick path for
a new date, tags, category, status or address, a new published article or one deleted.

Such an edit changes the lists (the home page's pagination, its tags' and category's
pages, the archives, the feeds), the neighbours of the texts around it, its series:
pages that do not show the text itself. Rather than render the thousand others, the
quick path:
- has noted what each file's template reads, each page of a paginated listing with
  its own slice of the lists (a dry run of the generators' writing with a writer that
  renders nothing, RecordingWriter, after each full build while the author writes);
- lists the articles again as Pelican does once everything is read (`relist`: the
  generator's generate_context over the texts already in memory, the edited one
  read again, so that the plugins' finalizing handlers set neighbours, series,
  comments and echoes as the build does);
- renders again, in memory, every file whose template reads something that is no
  longer the same (ChangedWriter: a listing's pages that did not change are not even
  rendered), and names those no longer written (a tag left empty, the last page of a
  listing); its notes are the next move's.
What a template reads is reduced to identities (PageInputs): a text counts by its
identity and its neighbourhood (the texts its attributes hold: neighbours, series,
translations), a list by its members in order, a tag or category by its address and
name, plain values by value. A text read again is a new object: every page that
shows it is written again. What the texts hold besides other texts (comments,
echoes, gates) comes from files this edit did not change.
"""

from __future__ import annotations

import datetime
import io
import os
from collections import defaultdict
from contextlib import contextmanager, nullcontext

from pelican.contents import Content
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper
from pelican.writers import FileOverwriteFailedError, Writer

from .incremental import SITE_ATTRIBUTES

_MISSING = object()
_SCALARS = (str, int, float, bool, type(None), datetime.date)  # datetime too

# ArticlesGenerator's state that generate_context builds (Pelican 4.12's __init__).
_STATE = {"articles": list, "translations": list, "hidden_articles": list, "hidden_translations": list,
          "drafts": list, "drafts_translations": list, "dates": dict, "period_archives": lambda: defaultdict(list),
          "tags": lambda: defaultdict(list), "categories": lambda: defaultdict(list), "related_posts": list,
          "authors": lambda: defaultdict(list)}


class Unread(Exception):
    """relist was asked for a text it does not hold (a file nobody read)."""


def relist(generator, texts: dict) -> None:
    """ArticlesGenerator.generate_context over texts already read (their relative source
    path -> content object): Pelican's lists, taxonomies and archives, and the plugins'
    handlers of article_generator_finalized, without reading or caching anything."""
    kept = {name: getattr(generator, name) for name in _STATE}
    for name, make in _STATE.items():
        setattr(generator, name, make())

    def cached(path, default=None):
        if path not in texts:
            raise Unread(path)
        return texts[path]

    generator.get_cached_data = cached
    generator.save_cache = generator.readers.save_cache = lambda: None
    # The files the texts link ({static}) are the static generator's, in a full build only.
    generator.add_static_links = lambda content: None
    try:
        generator.generate_context()
    except Unread:  # met while listing the files, before the context or any text changed
        for name, value in kept.items():
            setattr(generator, name, value)
        raise
    finally:
        for name in ("get_cached_data", "save_cache", "add_static_links"):
            vars(generator).pop(name, None)
        vars(generator.readers).pop("save_cache", None)


def neighbourhood(item) -> tuple:
    """The texts an item's attributes hold (neighbours, series, translations), by
    identity: in the attribute itself, in its list, or in its dict's values and their
    lists (a series: its parts, the previous and the next one)."""
    found = []
    for name, value in vars(item).items():
        if isinstance(value, Content):
            found.append((name, id(value)))
        elif isinstance(value, (list, tuple)):
            if value and any(isinstance(each, Content) for each in value):
                found.append((name, tuple(id(each) for each in value)))
        elif isinstance(value, dict) and name not in SITE_ATTRIBUTES:
            for key, inner in value.items():
                if isinstance(inner, Content):
                    found.append((name, key, id(inner)))
                elif isinstance(inner, (list, tuple)) and inner and any(isinstance(each, Content) for each in inner):
                    found.append((name, key, tuple(id(each) for each in inner)))
    return tuple(found)


class PageInputs:
    """What a page's template reads, reduced to identities (see the module's docstring)."""

    def __init__(self, reads, items):
        self.reads = reads  # shown.TemplateReads
        items = list(items)  # alive while this lives: their ids stay theirs
        self._texts = {id(item): ("text", id(item), neighbourhood(item)) for item in items}
        self._items = items
        self._memo: dict[int, tuple] = {}  # shared values, by identity: computed once a run
        self._kept: list = []  # what the memo's ids name stays alive

    def of(self, template, context: dict, values: dict) -> tuple | None:
        """The names the template reads, with their values (the call's own, else the
        shared context's); None when it may read anything."""
        names = self.reads(template)
        if names is None:
            return None
        return tuple((name, self._shared(context[name]) if name not in values and name in context
                      else self.value(values.get(name, _MISSING))) for name in sorted(names))

    def _shared(self, value) -> tuple:
        if isinstance(value, _SCALARS):
            return value
        key = id(value)
        if key not in self._memo:
            self._memo[key] = self.value(value)
            self._kept.append(value)
        return self._memo[key]

    def value(self, value, depth: int = 0):
        if value is _MISSING or isinstance(value, _SCALARS):
            return value
        text = self._texts.get(id(value))  # a text of the site (the common case: lists of them)
        if text is not None:
            return text
        if isinstance(value, Content):
            return ("text", id(value), neighbourhood(value))
        if isinstance(value, URLWrapper):
            return ("taxonomy", type(value).__name__, value.slug, value.name)
        if depth > 4:
            return ("deep",)
        if isinstance(value, (list, tuple)):
            texts = self._texts
            return ("list", tuple(texts.get(id(item)) or self.value(item, depth + 1) for item in value))
        if isinstance(value, dict):
            return ("dict", tuple((repr(key), self.value(item, depth + 1)) for key, item in value.items()))
        return ("other", type(value).__name__)  # comments, gates: from files this edit left alone

    def files(self, settings, name, url, template, template_name, context, paginated, kwargs) -> dict:
        """What each file of one write_file call shows (None: unknown, always written):
        the call's page, or each page of a paginated listing, with its own slice of the
        lists (as Pelican's Writer cuts them) and the listing's length."""
        read = self.of(template, context, kwargs)
        if paginated is None:
            paginated = {key: value for key, value in kwargs.items() if key in {"articles", "dates"}}
        if not (paginated and template_name in settings["PAGINATED_TEMPLATES"]):
            return {name: read}
        per_page = settings["PAGINATED_TEMPLATES"][template_name] or settings["DEFAULT_PAGINATION"]
        paginators = {key: Paginator(name, url, value, settings, per_page) for key, value in paginated.items()}
        first = next(iter(paginators.values()))
        found = {}
        for number in range(1, first.num_pages + 1):
            pages = {key: paginator.page(number) for key, paginator in paginators.items()}
            cut = tuple((key, paginator.count, self.value(pages[key].object_list))
                        for key, paginator in sorted(paginators.items()))
            found[next(iter(pages.values())).save_as] = None if read is None else (read, number, first.num_pages, cut)
        return found


class _Members(list):
    """A taxonomy's articles, with membership by identity through a set: Pelican asks
    `article in articles` for every article of the site and every tag (as `in` on a list
    of texts does, which have no equality of their own, but in constant time)."""

    def __init__(self, items):
        super().__init__(items)
        self._ids = {id(item) for item in items}

    def __contains__(self, item):
        return id(item) in self._ids


def fast_membership(generator):
    """Pelican's taxonomies with _Members lists while the generator writes; a function
    that puts the originals back."""
    tags, categories, authors = generator.tags, generator.categories, generator.authors
    generator.tags = type(tags)(list) if isinstance(tags, defaultdict) else {}
    generator.tags.update({tag: _Members(items) for tag, items in tags.items()})
    generator.categories = [(category, _Members(items)) for category, items in categories]
    generator.authors = [(author, _Members(items)) for author, items in authors]

    def restore():
        generator.tags, generator.categories, generator.authors = tags, categories, authors
    return restore


class RecordingWriter(Writer):
    """Renders nothing: notes what each file the generators would write shows."""

    def __init__(self, output_path, settings, inputs: PageInputs):
        super().__init__(output_path, settings=settings)
        self.inputs = inputs
        self.files: dict[str, tuple | None] = {}  # file -> what it shows
        self.feeds: dict[str, tuple] = {}  # feed file -> what it shows
        self.text_files: dict[int, str] = {}  # a text's id -> the file of its own page
        self._site: dict[str, tuple | None] = {}  # template -> what it reads of the shared context alone

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        if name:
            self._note(name, kwargs.get("article"), template, context)
            self.files.update(self.inputs.files(self.settings, name, url, template, template_name, context,
                                                paginated, kwargs))

    def _note(self, name, text, template, context) -> None:
        if isinstance(text, Content):
            self.text_files[id(text)] = name
            self.site_read(template, context)

    def site_read(self, template, context) -> tuple | None:
        """What the template reads of the shared context alone (its own values aside)."""
        if template.name not in self._site:
            self._site[template.name] = self.inputs.of(template, context, {})
        return self._site[template.name]

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False,
                   feed_title=None):
        if path:
            self.feeds[path] = self._feed(elements, url, feed_type, feed_title)

    def _feed(self, elements, url, feed_type, feed_title) -> tuple:
        # Pelican's feed shows its first texts whole, and settings no edit changes
        return (self.inputs.value(list(elements[: self.settings["FEED_MAX_ITEMS"]])), url, feed_type, feed_title)


class ChangedWriter(RecordingWriter):
    """Pelican's writer, writing only the files (pages and feeds) whose inputs changed
    since `before` (a RecordingWriter's notes); its own notes are those of the site as
    it is now."""

    def __init__(self, output_path, settings, inputs: PageInputs, before: RecordingWriter):
        super().__init__(output_path, settings, inputs)
        self.before = before
        self.rendered: dict[str, bytes] = {}  # file (relative) -> its bytes, kept in memory
        self._drop = False  # the render just made is dropped: its file did not change

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        if not name:
            return None
        files = self.inputs.files(self.settings, name, url, template, template_name, context, paginated, kwargs)
        self.files.update(files)
        wanted = {file for file, shown in files.items() if shown is None or self.before.files.get(file, _MISSING) != shown}
        if not wanted:
            return None
        if len(wanted) < len(files):
            template = _Only(template, self, wanted)
        return Writer.write_file(self, name, template, context, relative_urls, paginated, template_name,
                                 override_output, url, **kwargs)

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False,
                   feed_title=None):
        if path:
            self.feeds[path] = self._feed(elements, url, feed_type, feed_title)
            if self.before.feeds.get(path) == self.feeds[path]:
                return None
        return Writer.write_feed(self, elements, context, path, url, feed_type, override_output, feed_title)

    def same_page(self, text, template, context) -> bool:
        """Whether a text's own page shows what it showed before, known without asking
        for its address (a property Pelican computes each time): the same text, holding
        the same texts, and its template reading the same of the shared context. Its
        notes are then carried over."""
        name = self.before.text_files.get(id(text))
        site = self.site_read(template, context)
        if (name is None or name not in self.before.files or site is None
                or self.inputs.value(text) != self.before.inputs.value(text)
                or site != self.before._site.get(template.name)):
            return False
        self.text_files[id(text)] = name
        self.files[name] = self.before.files[name]
        return True

    def _open_w(self, filename, encoding, override=False):
        """Pelican's checks (a file written twice), then the text kept in `rendered`."""
        if self._drop:
            self._drop = False
            return nullcontext(io.StringIO())
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f"{filename}\u00a0: écrit deux fois")
            return nullcontext(io.StringIO())  # Pelican skips it, keeping the overriding one
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(f"{filename}\u00a0: écrit deux fois")
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return self._kept(filename)

    @contextmanager
    def _kept(self, filename):
        buffer = io.StringIO()
        yield buffer
        self.rendered[os.path.relpath(filename, self.output_path)] = buffer.getvalue().encode("utf-8")

    def gone(self) -> set[str]:
        """The files written before and no longer."""
        return (set(self.before.files) | set(self.before.feeds)) - set(self.files) - set(self.feeds)


class _Only:
    """A listing's template that renders only the pages in `wanted`."""

    def __init__(self, template, writer: ChangedWriter, wanted: set):
        self.template, self.writer, self.wanted = template, writer, wanted
        self.name, self.environment = template.name, template.environment

    def render(self, context):
        if context.get("output_file") in self.wanted:
            return self.template.render(context)
        self.writer._drop = True
        return ""

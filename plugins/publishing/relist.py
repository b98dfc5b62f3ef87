"""Which pages change when an article moves in the lists: livereload's quick path for
a new date, tags, category, status or address, a new published article or one deleted.

Such an edit changes the lists (the home page's pagination, its tags' and category's
pages, the archives, the feeds), the neighbours of the texts around it, its series:
pages that do not show the text itself. Rather than render the thousand others, the
quick path:
- notes what each page's template reads, before the move (a dry run of the
  generators' writing with a writer that renders nothing: RecordingWriter);
- lists the articles again as Pelican does once everything is read (`relist`: the
  generator's generate_context over the texts already in memory, the edited one
  read again, so that the plugins' finalizing handlers set neighbours, series,
  comments and echoes as the build does);
- writes again every page whose template reads something that is no longer the same
  (ChangedWriter), and names those no longer written (a tag left empty, the last
  page of a listing).
What a template reads is reduced to identities (PageInputs): a text counts by its
identity and its neighbourhood (the texts its attributes hold: neighbours, series,
translations), a list by its members in order, a tag or category by its address and
name, plain values by value. A text read again is a new object: every page that
shows it is written again. What the texts hold besides other texts (comments,
echoes, gates) comes from files this edit did not change.
"""

from __future__ import annotations

from collections import defaultdict

from pelican.contents import Content
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper
from pelican.writers import Writer

from .incremental import SITE_ATTRIBUTES

_MISSING = object()
_SCALARS = (str, int, float, bool, type(None))

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
    for name, make in _STATE.items():
        setattr(generator, name, make())

    def cached(path, default=None):
        if path not in texts:
            raise Unread(path)
        return texts[path]

    generator.get_cached_data = cached
    generator.save_cache = generator.readers.save_cache = lambda: None
    try:
        generator.generate_context()
    finally:
        for name in ("get_cached_data", "save_cache"):
            vars(generator).pop(name, None)
        vars(generator.readers).pop("save_cache", None)


def neighbourhood(item) -> tuple:
    """The texts an item's attributes hold (neighbours, series, translations), by identity."""
    found = []
    for name, value in vars(item).items():
        if name in SITE_ATTRIBUTES:
            continue
        if isinstance(value, Content):
            found.append((name, id(value)))
        elif isinstance(value, (list, tuple, dict)):
            inner = value.values() if isinstance(value, dict) else value
            ids = tuple(_ids(inner))
            if ids:
                found.append((name, ids))
    return tuple(found)


def _ids(values, depth: int = 0):
    for value in values:
        if isinstance(value, Content):
            yield id(value)
        elif depth < 1 and isinstance(value, (list, tuple, dict)):
            yield tuple(_ids(value.values() if isinstance(value, dict) else value, depth + 1))


class PageInputs:
    """What a page's template reads, reduced to identities (see the module's docstring)."""

    def __init__(self, reads, items):
        self.reads = reads  # shown.TemplateReads
        self.around = {id(item): neighbourhood(item) for item in items}
        self._memo: dict[int, tuple] = {}  # shared values, by identity: computed once a run
        self._kept: list = []  # what the memo's ids name stays alive

    def of(self, template, context: dict, values: dict, paginated: dict) -> tuple | None:
        """`paginated`: the lists a paginated listing cuts into pages inside the writer
        (its template reads their pages, `articles_page`…, which the call does not hold)."""
        names = self.reads(template)
        if names is None:  # it may read anything: always written
            return None
        read = tuple((name, self._shared(context[name]) if name not in values and name in context
                      else self.value(values.get(name, _MISSING))) for name in sorted(names))
        return read + tuple(("paginated", key, self.value(value)) for key, value in sorted(paginated.items()))

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
        if isinstance(value, Content):
            return ("text", id(value), self.around.get(id(value)))
        if isinstance(value, URLWrapper):
            return ("taxonomy", type(value).__name__, value.slug, value.name)
        if depth > 4:
            return ("deep",)
        if isinstance(value, (list, tuple)):
            return ("list", tuple(self.value(item, depth + 1) for item in value))
        if isinstance(value, dict):
            return ("dict", tuple((repr(key), self.value(item, depth + 1)) for key, item in value.items()))
        return ("other", type(value).__name__)  # comments, gates: from files this edit left alone


def _listing(settings, name, url, template_name, paginated, kwargs) -> tuple[dict, tuple]:
    """What one write_file call cuts into pages (as Pelican's Writer decides it), and
    the files it writes: its name, or every page of its listing."""
    if paginated is None:
        paginated = {key: value for key, value in kwargs.items() if key in {"articles", "dates"}}
    if paginated and template_name in settings["PAGINATED_TEMPLATES"]:
        per_page = settings["PAGINATED_TEMPLATES"][template_name] or settings["DEFAULT_PAGINATION"]
        paginator = Paginator(name, url, next(iter(paginated.values())), settings, per_page)
        return paginated, tuple(paginator.page(number).save_as for number in range(1, paginator.num_pages + 1))
    return {}, (name,)


class RecordingWriter(Writer):
    """Renders nothing: notes, for each page the generators would write, what its
    template reads and the files it makes."""

    def __init__(self, output_path, settings, inputs: PageInputs):
        super().__init__(output_path, settings=settings)
        self.inputs = inputs
        self.pages: dict[str, tuple] = {}  # first file -> (inputs, files)
        self.feeds: set[str] = set()

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        if name:
            cut, files = _listing(self.settings, name, url, template_name, paginated, kwargs)
            self.pages[name] = (self.inputs.of(template, context, kwargs, cut), files)

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False,
                   feed_title=None):
        if path:
            self.feeds.add(path)


class ChangedWriter(Writer):
    """Pelican's writer, writing only the pages whose inputs changed since `before`
    (a RecordingWriter's notes); feeds are always written (the caller keeps those whose
    bytes changed). `gone`, once the generators are done: the files written before and
    no longer."""

    def __init__(self, output_path, settings, inputs: PageInputs, before: RecordingWriter):
        super().__init__(output_path, settings=settings)
        self.inputs, self.before = inputs, before
        self.files: set[str] = set()
        self.feeds: set[str] = set()

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        if not name:
            return None
        cut, files = _listing(self.settings, name, url, template_name, paginated, kwargs)
        self.files.update(files)
        now = self.inputs.of(template, context, kwargs, cut)
        if now is not None and self.before.pages.get(name) == (now, files):
            return None
        return super().write_file(name, template, context, relative_urls, paginated, template_name,
                                  override_output, url, **kwargs)

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False,
                   feed_title=None):
        if path:
            self.feeds.add(path)
        return super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)

    def gone(self) -> set[str]:
        before = {file for _, files in self.before.pages.values() for file in files} | self.before.feeds
        return before - self.files - self.feeds

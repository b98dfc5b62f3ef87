"""Which pages show a text: livereload's quick path after an edit that other pages show
(a title, a summary, a reading time that crosses a minute).

A page shows other texts the way the incremental writer pictures it: its own item
whole (an article's page: its text and what is attached to it, neighbours, series,
translations), every other text by its card only. So once the edited text stands in
for the old one everywhere (quick.LiveSite._stand_in, which notes where it found the
old one), a page must be rendered again when a name its template reads (jinja2.meta,
through every template it extends, includes or imports) holds the text:
- a value given to this page (its item, a listing's page of cards), by looking;
- a value of the site's shared context (`articles`, `most_commented`…), when the old
  text was found in it.
ShowingWriter renders those pages and no other: a page that does not show the text is
skipped before any work when it can be, else (one page of a paginated listing) its
render is dropped before anything is written.
"""

from __future__ import annotations

import io
from collections import ChainMap
from contextlib import nullcontext

from jinja2 import meta
from pelican.contents import Content
from pelican.paginator import Page
from pelican.writers import Writer

_MISSING = object()


class TemplateReads:
    """The names a template reads from its context, its parents', includes' and imports'
    included; None when one of them is named at run time (then it may read anything)."""

    def __init__(self):
        self._known: dict[tuple[int, str], frozenset | None] = {}

    def __call__(self, template) -> frozenset | None:
        key = (id(template.environment), template.name)
        if key not in self._known:
            self._known[key] = self._reads(template.environment, template.name, set())
        return self._known[key]

    def _reads(self, environment, name, visiting: set) -> frozenset | None:
        if name is None:
            return None
        if name in visiting:
            return frozenset()
        visiting.add(name)
        source = environment.loader.get_source(environment, name)[0]
        tree = environment.parse(source)
        names = set(meta.find_undeclared_variables(tree))
        for referenced in meta.find_referenced_templates(tree):
            inner = self._reads(environment, referenced, visiting)
            if inner is None:
                return None
            names |= inner
        return frozenset(names)


def holds(value, target, seen: set | None = None) -> bool:
    """Whether `value` holds `target` in its lists, tuples, sets and dicts at any depth,
    or in a listing's page of cards; other texts count by identity only (their card)."""
    if value is target:
        return True
    if isinstance(value, Page):
        value = value.object_list
    if not isinstance(value, (list, tuple, set, frozenset, dict)):
        return False
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    items = value.values() if isinstance(value, dict) else value
    return any(item is target or (isinstance(item, (list, tuple, set, frozenset, dict, Page))
                                  and holds(item, target, seen)) for item in items)


class ShowingWriter(Writer):
    """Pelican's writer, rendering only the pages that show `target`.

    `items`: ids of the texts whose attributes held the old text (their pages show it);
    `keys`: the names of the shared context where it was found; `shared`: that context."""

    def __init__(self, output_path, settings, target, items: set, keys: set, shared: dict, reads: TemplateReads):
        super().__init__(output_path, settings=settings)
        self.target, self.items, self.keys, self.shared, self.reads = target, items, keys, shared, reads
        self._drop = False  # the render just made is dropped: the page does not show the text

    def shows(self, template, context) -> bool:
        names = self.reads(template)
        if names is None:
            return True
        for name in names:
            value = context.get(name, _MISSING)
            if value is _MISSING:
                continue
            if value is self.shared.get(name, _MISSING):
                if name in self.keys:
                    return True
            elif isinstance(value, Content):  # this page's own item, read whole
                if value is self.target or id(value) in self.items:
                    return True
            elif holds(value, self.target):
                return True
        return False

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        # Pelican's own test for a paginated listing (Writer.write_file)
        lists = paginated if paginated is not None else {k: v for k, v in kwargs.items() if k in {"articles", "dates"}}
        if lists and template_name in self.settings["PAGINATED_TEMPLATES"]:
            template = _Dropping(template, self)  # each page of the listing decides for itself
        elif not self.shows(template, ChainMap(kwargs, context)):
            return None
        return super().write_file(name, template, context, relative_urls, paginated, template_name,
                                  override_output, url, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        if self._drop:
            self._drop = False
            return nullcontext(io.StringIO())
        return super()._open_w(filename, encoding, override)


class _Dropping:
    """A template whose page is rendered only if it shows the writer's target."""

    def __init__(self, template, writer: ShowingWriter):
        self.template, self.writer = template, writer
        self.name, self.environment = template.name, template.environment

    def render(self, context):
        if self.writer.shows(self.template, context):
            return self.template.render(context)
        self.writer._drop = True
        return ""

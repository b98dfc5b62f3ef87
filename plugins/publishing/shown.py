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
from contextlib import nullcontext

from jinja2 import TemplateError, meta
from pelican.contents import Content
from pelican.paginator import Page
from pelican.writers import Writer

_MISSING = object()


class TemplateReads:
    """The names a template reads from its context, its parents', includes' and imports'
    included; None when one of them is named at run time (then it may read anything).
    Each template source is parsed once, whichever build's environment asks."""

    def __init__(self):
        self._parsed: dict[tuple[str, str], tuple | None] = {}  # (name, source) -> names, referenced
        self._known: dict[tuple[int, str], tuple] = {}  # (environment's id, name) -> (environment, names)

    def __call__(self, template) -> frozenset | None:
        key = (id(template.environment), template.name)
        if key not in self._known:  # the environment is kept with the answer, so its id stays its own
            self._known[key] = (template.environment, self._reads(template.environment, template.name, set()))
        return self._known[key][1]

    def forget_environments(self) -> None:
        """A new build made new environments (a template may have changed on disk)."""
        self._known.clear()

    def parse(self, environment) -> None:
        """Parse every page template of this environment not parsed yet (once a session:
        0.2 s for the demo theme, which the first quick page would otherwise wait for)."""
        for name in environment.list_templates(filter_func=lambda name: name.endswith(".html")):
            try:
                source = environment.loader.get_source(environment, name)[0]
            except TemplateError:  # gone since it was listed
                continue
            if (name, source) not in self._parsed:
                self._parse(environment, name, source)

    def _parse(self, environment, name: str, source: str) -> tuple[frozenset, tuple] | None:
        """What the template reads itself and the templates it names; None if it does not
        parse (a template no page uses may be broken: the build did not need it)."""
        try:
            tree = environment.parse(source)
        except TemplateError:
            found = None
        else:
            found = (frozenset(meta.find_undeclared_variables(tree)), tuple(meta.find_referenced_templates(tree)))
        self._parsed[name, source] = found
        return found

    def _reads(self, environment, name, visiting: set) -> frozenset | None:
        if name is None:
            return None
        if name in visiting:
            return frozenset()
        visiting.add(name)
        try:
            source = environment.loader.get_source(environment, name)[0]
        except TemplateError:  # `include … ignore missing`, or gone: what it would read is unknown
            return None
        if (name, source) in self._parsed:
            parsed = self._parsed[name, source]
        else:
            parsed = self._parse(environment, name, source)
        if parsed is None:
            return None
        names, referenced = parsed
        for other in referenced:
            inner = self._reads(environment, other, visiting)
            if inner is None:
                return None
            names = names | inner
        return names


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

    def shows(self, template, values: dict, context: dict) -> bool:
        """Whether a page of `template` shows the target: `values`, the call's own (they
        override `context`, the shared one or a copy of it)."""
        names = self.reads(template)
        if names is None:
            return True
        if context is not self.shared:  # a copy (Pelican's period archives): what it changed counts as the call's
            values = {**{k: v for k, v in context.items() if self.shared.get(k, _MISSING) is not v}, **values}
        for name in names.intersection(values):
            value = values[name]
            if value is self.shared.get(name, _MISSING):
                if name in self.keys:
                    return True
            elif isinstance(value, Content):  # this page's own item, read whole
                if value is self.target or id(value) in self.items:
                    return True
            elif holds(value, self.target):
                return True
        return any(name not in values for name in names.intersection(self.keys))

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        # Pelican's own test for a paginated listing (Writer.write_file)
        lists = paginated if paginated is not None else {k: v for k, v in kwargs.items() if k in {"articles", "dates"}}
        if lists and template_name in self.settings["PAGINATED_TEMPLATES"]:
            # No page of a listing whose lists do not hold the target can show it but by
            # what they all read besides (asked once, not for each page: a site's three
            # hundred tags were a quarter of a changed title's time).
            if not any(holds(value, self.target) for value in lists.values()) and not self.shows(
                    template, kwargs, context):
                return None
            template = _Dropping(template, self)  # each page of the listing decides for itself
        elif not self.shows(template, kwargs, context):
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
        if self.writer.shows(self.template, {}, context):
            return self.template.render(context)
        self.writer._drop = True
        return ""

"""Incremental writes: a page whose inputs did not change is not rendered again.

Pelican renders every page on every build, even with its content cache. This
writer keeps a fingerprint of what each written page is made of, and when it
matches the previous build, links the previous file into the new output
instead of rendering it.
- The page of one article, page or issue: the content object itself (body,
  metadata, summary and every attribute the plugins attach, at any depth:
  comments and their replies, echoes, webmentions, tier gates; linked content
  such as neighbours and series parts reduced to its card: address, title,
  summary, dates, category, reading time, comment count) and a site-wide key
  (settings, templates, and the address, title, date and taxonomy of every
  published item, which menus, neighbours and series show).
- Listings (index, tags, categories, archives, other direct templates, with
  all their pages): the site-wide key plus every item's card (the same card),
  and the template's own arguments.
Feeds are always written.

The fingerprints describe one output folder: the writer saves them as
pending when Pelican finishes, and build.py commits them, naming the folder,
only once the staged output has replaced it (commit_fingerprints). A failed
build leaves the previous fingerprints, which still describe the site in
place; fingerprints of another folder are never used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper
from pelican.writers import Writer

from shared import write_atomic

log = logging.getLogger(__name__)

FINGERPRINTS = "page-fingerprints.json"  # {"output": folder they describe, "pages": {...}}
PENDING = "page-fingerprints.pending.json"  # this build's, until its output is swapped in
PREVIOUS_OUTPUT = "INCREMENTAL_PREVIOUS_OUTPUT"  # set by build.py
# A text's attributes that are the whole site, not what its page shows (the settings
# are covered by the site key; the context is the whole site).
SITE_ATTRIBUTES = frozenset({"_context", "settings"})
_SKIPPED_SETTINGS = {"OUTPUT_PATH", "CACHE_PATH", PREVIOUS_OUTPUT, "PATH"}


def _card(item: Content) -> list:
    """What a page may show of another item: its address, title and card.

    Listings show cards; neighbours, series parts and translations are shown
    as links or cards, never whole. Their card is covered, so that a change to
    one re-renders the pages that show it.
    """
    return ["content", getattr(item, "url", ""), str(getattr(item, "title", "")),
            str(getattr(item, "summary", "") or ""), getattr(item, "locale_date", None),
            _stable(getattr(item, "date", None)),
            _stable(getattr(item, "modified", None)), _stable(getattr(item, "category", None)),
            getattr(item, "status", None), getattr(item, "reading_time_label", None),
            getattr(item, "comment_count", None)]


def listed(item: Content) -> list:
    """What every page may show of an item (menus, neighbours, series): in the site key."""
    return [item.url, str(item.title), _stable(getattr(item, "date", None)), item.status,
            _stable(getattr(item, "category", None)), _stable(getattr(item, "tags", None)),
            item.metadata.get("series")]


def shown_elsewhere(item: Content) -> list:
    """All that other pages' fingerprints hold of an item: if it is the same after an
    edit, only the item's own page (and the feeds, always written) can differ."""
    return listed(item) + _card(item)


def _stable(value, outer: tuple = ()):
    """A JSON-able, address-free picture of a value, for hashing.

    A content object is pictured whole (every attribute, its metadata and
    summary included) at the top, and by its card when it is linked from
    another value. `outer` holds the ids of the containers being pictured,
    so a cycle is cut instead of recursing, whatever the depth.
    """
    if isinstance(value, Content):
        if outer:
            return _card(value)
        inner = (id(value),)
        return {k: _stable(v, inner) for k, v in sorted(vars(value).items()) if k not in SITE_ATTRIBUTES}
    if isinstance(value, URLWrapper):
        return ["taxonomy", value.name, value.url]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if id(value) in outer:
        return ["cycle", repr(type(value))]
    inner = outer + (id(value),)
    if isinstance(value, dict):
        return {str(k): _stable(v, inner) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_stable(v, inner) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
    if hasattr(value, "__dict__"):
        return [repr(type(value)), {k: _stable(v, inner) for k, v in sorted(vars(value).items())
                                    if not k.startswith("__")}]
    return repr(value)


def _digest(value) -> str:
    # ensure_ascii off: escaping every accent of every page's text was most of the cost
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)
                          .encode("utf-8", "surrogatepass")).hexdigest()


class IncrementalWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        previous = (settings or {}).get(PREVIOUS_OUTPUT)
        self.previous = Path(previous) if previous else None
        self.store = Path(settings["CACHE_PATH"])
        self.old = _committed(self.store, self.previous) if self.previous else {}
        self.new: dict[str, dict] = {}  # output name -> {"fp": fingerprint, "files": [...]}
        self.site_key = None
        self.listing_key = None
        self._recording = None  # files written by the write_file call in progress
        self.reused = 0
        _writers[:] = [self]

    def _site_key(self, context) -> str:
        settings = {k: v for k, v in self.settings.items() if k not in _SKIPPED_SETTINGS}
        templates = []
        for folder in (Path(self.settings["THEME"]) / "templates",):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    templates.append([str(path.relative_to(folder)), hashlib.sha256(path.read_bytes()).hexdigest()])
        items = []
        for key in ("articles", "pages", "newsletter_issues", "hidden_articles", "hidden_pages"):
            for item in context.get(key) or ():
                items.append([key] + listed(item))
        return _digest([_stable(settings), templates, items])

    def _site(self, context) -> str:
        if self.site_key is None:
            self.site_key = self._site_key(context)
        return self.site_key

    def _listing(self, context) -> str:
        """Site key plus what listings show of each item (its card)."""
        if self.listing_key is None:
            cards = [_card(item) for key in ("articles", "newsletter_issues") for item in context.get(key) or ()]
            self.listing_key = _digest([self._site(context), cards])
        return self.listing_key

    def write_file(self, name, template, context, relative_urls=False, paginated=None,
                   template_name=None, override_output=False, url=None, **kwargs):
        render = super().write_file
        if not name:
            return render(name, template, context, relative_urls, paginated,
                          template_name, override_output, url, **kwargs)
        subjects = [kwargs[k] for k in ("article", "page", "issue") if isinstance(kwargs.get(k), Content)]
        if len(subjects) == 1 and not paginated:
            fingerprint = _digest([self._site(context), template.name, _stable(subjects[0])])
        else:  # listings: index, tags, categories, archives and other direct templates
            listing_key = self._listing(context)
            # The lists of items are covered by the listing key; the rest
            # (the tag, the category, the page name…) is small.
            extra = {k: v for k, v in kwargs.items() if k not in ("articles", "dates", "all_articles")}
            fingerprint = _digest([listing_key, template.name, template_name, bool(paginated),
                                   _stable(extra)])
        previous = self.old.get(name) if self.previous else None
        if previous and previous.get("fp") == fingerprint and self._reuse(previous["files"], context, kwargs):
            self.new[name] = previous
            return None
        self._recording = []
        try:
            result = render(name, template, context, relative_urls, paginated,
                            template_name, override_output, url, **kwargs)
            written = [os.path.relpath(f, self.output_path) for f in self._recording]
        finally:
            self._recording = None
        self.new[name] = {"fp": fingerprint, "files": written}
        return result

    def _open_w(self, filename, encoding, override=False):
        if self._recording is not None:
            self._recording.append(filename)
        return super()._open_w(filename, encoding, override)

    def _reuse(self, files, context, kwargs) -> bool:
        """Link the previous build's files into the new output, if all are there."""
        sources = [self.previous / f for f in files]
        targets = [Path(self.output_path) / f for f in files]
        if not files or not all(p.is_file() for p in sources):
            return False
        if any(str(t) in self._written_files for t in targets):
            return False
        for source, target in zip(sources, targets):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
            self._written_files.add(str(target))
            self.reused += 1
            signals.content_written.send(str(target), context=dict(context, **kwargs))
        return True

    def save(self):
        """Pending until build.py has swapped the output in (commit_fingerprints)."""
        self.store.mkdir(parents=True, exist_ok=True)
        write_atomic(self.store / PENDING, json.dumps({"pages": self.new}))


def _committed(cache: Path, output: Path) -> dict:
    """The fingerprints of the pages now in `output`, or nothing."""
    try:
        saved = json.loads((cache / FINGERPRINTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(saved, dict) or saved.get("output") != str(output.resolve()):
        return {}  # another folder's, or an older format
    return saved.get("pages") or {}


def discard_fingerprints(cache_path) -> None:
    """Forget this build's fingerprints: its output was not swapped in."""
    (Path(cache_path) / PENDING).unlink(missing_ok=True)


def commit_fingerprints(cache_path, output) -> None:
    """The output staged by this build now stands at `output`: its fingerprints
    become the ones the next build compares with."""
    cache = Path(cache_path)
    try:
        pages = json.loads((cache / PENDING).read_text(encoding="utf-8"))["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        # No fingerprints for this output (the writer was not used): the old
        # ones describe a site that is no longer there.
        (cache / FINGERPRINTS).unlink(missing_ok=True)
        return
    write_atomic(cache / FINGERPRINTS, json.dumps({"output": str(Path(output).resolve()), "pages": pages}))
    discard_fingerprints(cache)


def forget_pages(cache_path, names) -> None:
    """These pages were replaced outside a build (livereload's quick path): the next
    build renders them again rather than trust the fingerprint of what they were."""
    path = Path(cache_path) / FINGERPRINTS
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        pages = saved["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    names = set(names)  # a listing's entry is named by its first page and lists them all
    doomed = [key for key, entry in pages.items()
              if key in names or (isinstance(entry, dict) and names.intersection(entry.get("files") or ()))]
    if doomed:
        for key in doomed:
            del pages[key]
        write_atomic(path, json.dumps(saved))


# The writer of the build in progress, so `finalized` can save its fingerprints.
# Replaced by each new build: a failed build's writer is simply dropped.
_writers: list[IncrementalWriter] = []


def incremental_writer(pelican):
    return IncrementalWriter


def save_fingerprints(pelican):
    for writer in _writers:
        writer.save()
        if writer.reused:
            log.info("%d pages inchangées reprises de la construction précédente", writer.reused)
    _writers.clear()

"""Incremental writes: a page whose inputs did not change is not rendered again.

Pelican renders every page on every build, even with its content cache. For
the pages of single articles, pages and newsletter issues (most of a site),
this writer keeps a fingerprint of what the page is made of: the content
object itself (body, metadata and every attribute the plugins attach, with
linked content reduced to its address and title) and a site-wide key
(settings, templates, and the address, title, date and taxonomy of every
published item, which menus, neighbours and series show). When both match the
previous build, the previous file is linked into the new output instead of
being rendered. Listings and feeds are always rendered.
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

log = logging.getLogger(__name__)

FINGERPRINTS = "page-fingerprints.json"
PREVIOUS_OUTPUT = "INCREMENTAL_PREVIOUS_OUTPUT"  # set by build.py
_SKIPPED_ATTRIBUTES = {"_context", "settings", "_summary", "metadata", "translations"}
_SKIPPED_SETTINGS = {"OUTPUT_PATH", "CACHE_PATH", PREVIOUS_OUTPUT, "PATH"}


def _stable(value, depth: int = 0):
    """A JSON-able, address-free picture of a value, for hashing."""
    if isinstance(value, Content):
        if depth:
            return ["content", getattr(value, "url", ""), str(getattr(value, "title", ""))]
        return {k: _stable(v, 1) for k, v in sorted(vars(value).items()) if k not in _SKIPPED_ATTRIBUTES}
    if isinstance(value, URLWrapper):
        return ["taxonomy", value.name, value.url]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if depth > 6:
        return repr(type(value))
    if isinstance(value, dict):
        return {str(k): _stable(v, depth + 1) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_stable(v, depth + 1) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
    if hasattr(value, "__dict__"):
        return {k: _stable(v, depth + 1) for k, v in sorted(vars(value).items()) if not k.startswith("__")}
    return repr(value)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()


class IncrementalWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        previous = (settings or {}).get(PREVIOUS_OUTPUT)
        self.previous = Path(previous) if previous else None
        self.store = Path(settings["CACHE_PATH"]) / FINGERPRINTS
        try:
            self.old = json.loads(self.store.read_text(encoding="utf-8")) if self.previous else {}
        except (OSError, ValueError):
            self.old = {}
        self.new: dict[str, str] = {}
        self.site_key = None
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
                items.append([key, item.url, str(item.title), _stable(getattr(item, "date", None)),
                              item.status, _stable(getattr(item, "category", None)),
                              _stable(getattr(item, "tags", None)), item.metadata.get("series")])
        return _digest([_stable(settings), templates, items])

    def write_file(self, name, template, context, relative_urls=False, paginated=None,
                   template_name=None, override_output=False, url=None, **kwargs):
        subjects = [kwargs[k] for k in ("article", "page", "issue") if isinstance(kwargs.get(k), Content)]
        if paginated or len(subjects) != 1 or not name:
            return super().write_file(name, template, context, relative_urls, paginated,
                                      template_name, override_output, url, **kwargs)
        if self.site_key is None:
            self.site_key = self._site_key(context)
        fingerprint = _digest([self.site_key, template.name, _stable(subjects[0])])
        self.new[name] = fingerprint
        previous_file = self.previous / name if self.previous else None
        target = Path(self.output_path) / name
        if (previous_file is not None and self.old.get(name) == fingerprint
                and previous_file.is_file() and str(target) not in self._written_files):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(previous_file, target)
            except OSError:
                shutil.copy2(previous_file, target)
            self._written_files.add(str(target))
            self.reused += 1
            signals.content_written.send(str(target), context=dict(context, **kwargs))
            return None
        return super().write_file(name, template, context, relative_urls, paginated,
                                  template_name, override_output, url, **kwargs)

    def save(self):
        self.store.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.store.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.new), encoding="utf-8")
        temporary.replace(self.store)


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

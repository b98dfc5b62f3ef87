"""The search index kept up to date page by page, for `invoke livereload`.

Pagefind's binary indexes a whole site at each run (2.5 s for a thousand long
articles): too slow for an update at each save. With PAGEFIND_LIVE (livereload
sets it), the process keeps one Pagefind service (service.py) holding every
page's record, gives it again only the pages whose bytes changed, then has it
write the bundle, starting from the files of the current bundle that it would
write the same (linked, not copied), then removing those the new index does
not use:
- a full build: the staged site's pages, beside the audit (a background job of
  the build), into the staged site, where the audit then scans the bundle like
  any other file (right after a quick update, with the same pages, the bundle
  in place is copied there instead);
- livereload's quick path, or pages put back after a failed build (the
  publishing signal pages_placed): the public output's pages, into a new
  folder beside it renamed into place, so a search never reads half a bundle.
The comparison is always with the whole folder given, never with a list of
pages someone says changed: after a failed build, whose pages the service was
given, the next update takes them back.
A large site's index is in parts (parts.py): the service holds one index per
part, and only the parts given a page are written again; a part given nothing is
copied from the bundle in place when that part is the one the service last wrote
for it (the same pagefind-entry.json, which names its metadata by a digest of it).
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

from shared import Problem

from . import parts
from .parts import BUNDLE
from .service import Service, ServiceError

_EMPTY = '<!DOCTYPE html><html lang="fr"><head><title></title></head><body></body></html>'  # a record with no words: left out


# Pagefind names these files after a digest of their bytes and does not write one that
# exists (output/mod.rs: WriteBehavior::Immutable); the others it truncates and rewrites.
_UNCHANGING = ("fragment", "index", "filter")


def _link_unchanging(current: Path, fresh: Path) -> bool:
    """The files of the bundle `current` that Pagefind would write the same, linked
    into `fresh`, as many as can be: it then writes a few files instead of a thousand
    (0.3 s instead of 1.2 for a thousand articles). Whether all were."""
    if not current.is_dir():
        return False
    try:
        fresh.mkdir(parents=True, exist_ok=True)
        for item in os.scandir(current):
            if item.is_dir() and item.name in _UNCHANGING:
                os.makedirs(fresh / item.name, exist_ok=True)
                for file in os.scandir(item.path):
                    os.link(file.path, fresh / item.name / file.name)
            elif item.is_file() and item.name.endswith(".pf_meta"):
                os.link(item.path, fresh / item.name)
    except OSError:  # another file system, no links: Pagefind writes what is missing
        return False
    return True


def _copy_bundle(current: Path, fresh: Path) -> bool:
    """A bundle that Pagefind would write the same, whole: its unchanging files linked,
    the others (scripts and the entry, 0.5 MB) copied, since Pagefind rewrites those in
    place. Whether it could be."""
    if not _link_unchanging(current, fresh):
        return False
    try:
        for item in os.scandir(current):
            if item.is_file() and not item.name.endswith(".pf_meta"):
                shutil.copy2(item.path, fresh / item.name)
    except OSError:
        return False
    return True


def _prune(bundle: Path) -> bool:
    """The linked files the new index does not use, removed: the fragments of records
    replaced, the index chunks and metadata of before. Each language's metadata
    (pagefind.<hash>.pf_meta, named in pagefind-entry.json) names every fragment,
    chunk and filter file it uses by its digest, the file's name; a file whose name
    it does not hold is unused. False if the bundle could not be read (then it is
    made anew)."""
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        metas = {f"pagefind.{language['hash']}.pf_meta" for language in entry["languages"].values()}
        names = b"".join(gzip.decompress((bundle / meta).read_bytes()) for meta in metas)
        for item in os.scandir(bundle):
            if item.is_file() and item.name.endswith(".pf_meta") and item.name not in metas:
                os.unlink(item.path)
            elif item.is_dir() and item.name in _UNCHANGING:
                for file in os.scandir(item.path):
                    if file.name.rpartition(".")[0].encode("utf-8") not in names:
                        os.unlink(file.path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError):
        return False
    return True


# The links to an article's neighbours (the theme's pager): Pagefind does not read the text
# of a <nav>, wherever it is (its parser's REMOVE_SELECTORS), only data-pagefind-*
# attributes, <title> and <h1>. So the pager is left out of the digest that says whether
# to give a page again: a title changed (or an article moved) does not re-give its
# neighbours, whose records are the same. Only a pager of bare links and text is left out;
# anything else in it (an attribute, a tag in a title: Pelican leaves titles unescaped)
# keeps the page whole. The property test holds this to Pagefind's own command.
_PAGER = re.compile(rb'<nav class="pager" aria-label="[^"<>]*">(?:\s*(?:<a href="[^"<>]*" rel="(?:prev|next)">'
                    rb'[^<>]*</a>|<span></span>))*\s*</nav>')


def record_digest(data: bytes) -> bytes:
    """A digest of what Pagefind may read of the page's bytes."""
    return hashlib.blake2b(_PAGER.sub(b"<nav></nav>", data), digest_size=16).digest()


def _entry(part_folder: Path) -> bytes | None:
    try:
        return (part_folder / "pagefind-entry.json").read_bytes()
    except OSError:
        return None


class LiveIndex:
    """One Pagefind service and what it holds: each page's digest, by path."""

    def __init__(self, config: dict, part_pages: int | None = None):
        self.config = config
        self.part_pages = part_pages
        self.service: Service | None = None
        self.held: dict[str, bytes] = {}  # path -> record_digest of the bytes the service was given
        self._stats: dict[str, tuple] = {}  # path -> (inode, size, mtime) of the file digested
        self._read: dict[str, str] = {}  # path -> text, of the pages read by the last _pages
        self._body: dict[str, bool] = {}  # path -> whether those bytes mark a data-pagefind-body
        self._indexes: list[int] = []  # the service's index of each part
        self._part: dict[str, int] = {}  # path -> the part whose index holds its record
        self._entries: dict[int, bytes] = {}  # part -> the pagefind-entry.json last written for it
        self.updated = 0  # pages changed at the last update (their record may be the same)
        self.given: list[str] = []  # the pages given to the service at the last update

    def _start(self) -> None:
        self.service = Service(self.config)
        self._indexes = [self.service.index]
        self.held, self._stats, self._body, self._part, self._entries = {}, {}, {}, {}, {}

    def _pages(self, folder: Path) -> tuple[dict[str, bytes], dict[str, bool]]:
        """Each page of `folder` -> its digest, and whether it marks a body; a file whose
        inode, size and time are those of the one digested last (a page linked from the
        previous build) is not read. The text of those read is kept in `_read`."""
        pages, bodies, stats, self._read = {}, {}, {}, {}
        for path, stat in parts.html_files(folder):
            key = stats[path] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if self._stats.get(path) == key:
                pages[path], bodies[path] = self.held[path], self._body[path]
            else:
                data = (folder / path).read_bytes()
                bodies[path] = parts.is_body(data)
                pages[path] = record_digest(data)
                self._read[path] = data.decode("utf-8", errors="replace")
        self._stats = stats
        return pages, bodies

    def update(self, folder: Path, bundle: Path, previous: Path | None = None) -> None:
        """The service brought up to `folder`'s pages, and its bundle written into `bundle`
        (with the unchanging files of the bundle `previous`, if any, linked first; or a
        part copied whole, when the service wrote that one from these same pages)."""
        folder, bundle = Path(folder), Path(bundle)
        if self.service is None:
            self._start()
        pages, bodies = self._pages(folder)
        count = parts.count([path for path, body in bodies.items() if body], self.part_pages)
        if count != len(self._indexes) and self.held:  # pages change parts: all given again
            self.service.close()
            self._start()
            pages, bodies = self._pages(folder)
        while len(self._indexes) < count:
            self._indexes.append(self.service.new_index())

        def home(path: str) -> int | None:  # the part whose index takes the page
            if count == 1:
                return 0  # one index: every page, as Pagefind's command reads the site
            return parts.part_of(path, count) if bodies[path] else None

        # The bytes given are those digested: what the service holds is what `held` says.
        given: dict[int, list] = {}
        changed = [path for path, digest in pages.items() if self.held.get(path) != digest]
        for path in changed:
            new, old = home(path), self._part.get(path)
            if old is not None and old != new:  # no longer a body: its record emptied
                given.setdefault(old, []).append((path, _EMPTY))
            if new is not None:
                given.setdefault(new, []).append((path, self._read[path]))
        gone = [path for path in self.held if path not in pages]
        for path in gone:
            if self._part.get(path) is not None:
                given.setdefault(self._part[path], []).append((path, _EMPTY))
        for part, batch in sorted(given.items()):
            self.service.add_pages(batch, self._indexes[part])
        self.given = sorted(path for batch in given.values() for path, _ in batch)
        self.held, self._body, self._read = pages, bodies, {}
        self._part = {path: part for path in pages if (part := home(path)) is not None}
        self.updated = len(changed) + len(gone)
        for part in range(count):
            self._write(part, bundle, previous, given=part in given)
        parts.write_list(bundle, count)

    def _write(self, part: int, bundle: Path, previous: Path | None, given: bool) -> None:
        target = parts.folder(bundle, part)
        before = parts.folder(Path(previous), part) if previous is not None else None
        written = self._entries.pop(part, None)
        if not given and before is not None and written is not None and _entry(before) == written:
            if _copy_bundle(before, target):  # what the service would write again
                self._entries[part] = written
                return
            shutil.rmtree(target, ignore_errors=True)
        if before is not None:
            _link_unchanging(before, target)
        self._write_part(part, target)
        if before is not None and not _prune(target):
            shutil.rmtree(target)  # unused files it cannot tell apart: made anew
            self._write_part(part, target)
        self._entries[part] = _entry(target)

    def _write_part(self, part: int, target: Path) -> None:
        self.service.write(str(target), self._indexes[part])
        if part:
            parts.keep_index_only(target)

    def update_in_place(self, folder: Path) -> None:
        """The public output's bundle, written beside it and renamed into place."""
        folder = Path(folder)
        current = folder / BUNDLE
        fresh = Path(tempfile.mkdtemp(prefix=f".{BUNDLE}-", dir=folder))
        try:
            self.update(folder, fresh, previous=current)
            fresh.chmod(0o755)
            retired = folder / f".{BUNDLE}-old-{fresh.name[-8:]}"
            if current.exists():
                current.rename(retired)
            fresh.rename(current)
            shutil.rmtree(retired, ignore_errors=True)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)

    def close(self) -> None:
        if self.service is not None:
            self.service.close()
        self.service, self.held, self._stats, self._entries = None, {}, {}, {}

    def attempt(self, update, folder) -> list[Problem]:
        """`update()`, and once more with a new service if the first stopped or refused
        (it then reads the whole site again); the problem if that fails too."""
        for last in (False, True):
            try:
                update()
                return []
            except (ServiceError, OSError) as error:
                self.close()
                if last:
                    return [Problem("", None, f"Pagefind n’a pas pu mettre l’index de recherche à jour "
                                              f"({folder})\u00a0: {error}")]
        return []


class LiveJob:
    """A full build's update, beside the audit (a publishing background job)."""

    def __init__(self, index: LiveIndex, staged: Path, previous: Path | None):
        self.index, self.staged, self.previous = index, staged, previous
        self.problems: list[Problem] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.problems = self.index.attempt(
            lambda: self.index.update(self.staged, self.staged / BUNDLE, self.previous), self.staged)

    def wait(self) -> list[Problem]:
        self.thread.join()
        return self.problems

    def cancel(self) -> None:
        self.thread.join()  # a few tenths of a second; the next update compares again anyway


_indexes: dict[str, LiveIndex] = {}  # by content folder (a build writes into a new folder each time)


def live_index(content_path, config: dict, part_pages: int | None = None) -> LiveIndex:
    key = str(Path(content_path).resolve())
    index = _indexes.get(key)
    if index is None or (index.config, index.part_pages) != (config, part_pages):
        if index is not None:
            index.close()
        index = _indexes[key] = LiveIndex(config, part_pages)
    return index


def running(content_path) -> LiveIndex | None:
    """The live index kept for this content folder, if any (what a test looks into)."""
    return _indexes.get(str(Path(content_path).resolve()))


def close_all() -> None:
    """Stops every service this process started (livereload's end, a test's)."""
    while _indexes:
        _indexes.popitem()[1].close()


atexit.register(close_all)

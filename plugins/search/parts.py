"""A large site's search index in parts (PAGEFIND_PART_PAGES).

Pagefind holds every page's words in memory, and twice while it builds the index
(its lib.rs clones each language's pages before build_indexes): about 0.25 MiB per
long article, 263 MiB for a thousand, growing with the site. Above
PAGEFIND_PART_PAGES pages, the pages are dealt into parts by a digest of their path
(a page stays in its part while the count of parts holds), each part is indexed on
its own, one after the other, and the search page merges them (Pagefind's
mergeIndex). Part 1 is the bundle at pagefind/, with Pagefind's scripts; part N is
an index alone at pagefind/part-N/ (a merged index needs no scripts of its own);
pagefind/parts.json names them for the search page, one part or several.

The price: each part ranks with its own statistics (BM25's page count, average
length, pages holding a word), so scores shift a little from one index; the same
pages are found. A search fetches a few small files per part.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import time
from pathlib import Path

BUNDLE = "pagefind"
LIST = "parts.json"
# What a merged index reads (coupled_search.ts: entry, metadata, chunks, fragments, filters).
INDEX_ONLY = ("pagefind-entry.json", ".pf_meta", "fragment", "index", "filter")
_BODY = re.compile(rb"<[a-z][^>]*?\sdata-pagefind-body[\s=/>]")


def is_body(data: bytes) -> bool:
    """Whether the page marks a data-pagefind-body element (Pagefind then leaves
    out every page of the site without one)."""
    low = data.lower()
    start = low.find(b"data-pagefind-body")
    while start >= 0:
        if _BODY.match(low, max(0, low.rfind(b"<", 0, start))):
            return True
        start = low.find(b"data-pagefind-body", start + 1)
    return False


def count(bodies: list[str], part_pages: int | None) -> int:
    """How many parts for the pages marked as bodies (paths relative to the site): one
    per `part_pages` pages, fewer if the digests would leave a part empty (Pagefind
    makes no index of nothing; only a site of a few pages in tiny parts meets it)."""
    if not part_pages or len(bodies) <= part_pages:
        return 1
    parts = math.ceil(len(bodies) / part_pages)
    while parts > 1 and len({part_of(path, parts) for path in bodies}) < parts:
        parts -= 1
    return parts


def part_of(path: str, parts: int) -> int:
    """The part (0 for the first) of a page, by its path relative to the site."""
    if parts == 1:
        return 0
    digest = hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % parts


def folder(bundle: Path, part: int) -> Path:
    return bundle if part == 0 else bundle / f"part-{part + 1}"


def keep_index_only(part_folder: Path) -> None:
    """A merged part's folder stripped of Pagefind's scripts, styles and WebAssembly."""
    for item in os.scandir(part_folder):
        if not (item.name in INDEX_ONLY or item.name.endswith(".pf_meta")):
            if item.is_dir():
                shutil.rmtree(item.path)
            else:
                os.unlink(item.path)


def write_list(bundle: Path, parts: int) -> None:
    """pagefind/parts.json: the folders (relative to pagefind/) the search page merges."""
    names = [folder(Path(""), part).as_posix() + "/" for part in range(1, parts)]
    (bundle / LIST).write_text(json.dumps({"parts": names}) + "\n", encoding="utf-8")


def html_files(site: Path):
    """Each HTML page of the site, as a path relative to it ('/'-separated), with its
    os.stat; the search bundle and hidden folders left out. In Pagefind's order: its
    records follow the order in which it reads the pages, walking the folders depth
    first in the order of their entries (walkdir), and the service is given them so."""
    stack = [(os.scandir(site), "")]
    try:
        while stack:
            entries, prefix = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()[0].close()
            elif entry.is_dir(follow_symlinks=False):
                if prefix or (entry.name != BUNDLE and not entry.name.startswith(".")):
                    stack.append((os.scandir(entry.path), f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".html"):
                yield f"{prefix}{entry.name}", entry.stat()
    finally:
        for entries, _ in stack:
            entries.close()


def deal(site: Path, part_pages: int | None) -> list[list[str]] | None:
    """The pages of each part, or None when the site makes one index (Pagefind then
    reads the site itself, every page)."""
    if not part_pages:
        return None
    bodies = [path for path, _ in html_files(site) if is_body((site / path).read_bytes())]
    parts = count(bodies, part_pages)
    if parts == 1:
        return None
    dealt: list[list[str]] = [[] for _ in range(parts)]
    for path in bodies:
        dealt[part_of(path, parts)].append(path)
    return dealt


TREE_PREFIX = ".pagefind-part-"
STALE = 3600  # seconds after which a tree is one a killed build left behind


def sweep_trees(parent: Path) -> None:
    """The link trees a killed build left beside its site, removed; a recent one may be
    another build's, running now, and is left to it."""
    for item in parent.glob(f"{TREE_PREFIX}*"):
        try:
            if item.is_dir() and time.time() - item.stat().st_mtime > STALE:
                shutil.rmtree(item, ignore_errors=True)
        except OSError:
            continue


def link_tree(site: Path, paths: list[str], tree: Path) -> None:
    """`paths` of `site` at the same places in `tree` (linked; copied where links fail),
    so that Pagefind, reading `tree`, gives each page the address it has in `site`."""
    for path in paths:
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / path, target)
        except OSError:
            shutil.copy2(site / path, target)

"""Runs the Pagefind binary shipped in the `pagefind` wheel over OUTPUT_PATH.

In a build run by build.py, the indexing is left running in its own process
while the build goes on (the leak audit reads the sources and scans the pages
meanwhile, on the other core); build.py waits for it before the site is
accepted, and its failure refuses the site. Elsewhere it runs at once.
With PAGEFIND_LIVE (livereload), a Pagefind service kept between builds is
given only the pages that changed instead (live.py).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from pelican import signals

from publishing import PREVIOUS_OUTPUT, background_open, in_background, pages_placed
from shared import Problem

from . import parts
from .live import BUNDLE, LiveJob, live_index
from .service import binary

log = logging.getLogger(__name__)
TIMEOUT = 600


EXCLUDED = [".headerlink"]  # heading permalinks ("#") would otherwise show up in every excerpt


def _command(site: Path, bundle: Path | None = None) -> list[str]:
    excluded = [word for selector in EXCLUDED for word in ("--exclude-selectors", selector)]
    placed = ["--output-path", str(bundle)] if bundle is not None else []
    return [*binary(), "--site", str(site), "--quiet", *excluded, *placed]


def index_site(output_path, part_pages: int | None = None, started=None) -> str | None:
    """Pagefind's command over the site at `output_path`, in parts (parts.py) when it has
    more than `part_pages` pages to index, one part after the other; what went wrong, in
    French, or None. `started(process)` is told of each process (to stop it)."""
    site = Path(output_path)
    bundle = site / BUNDLE
    try:
        dealt = parts.deal(site, part_pages)
        if dealt is None:
            failure = _run(_command(site), started)
            if failure:
                return f"Pagefind a échoué sur {output_path} : {failure}"
            parts.write_list(bundle, 1)
            return None
        parts.sweep_trees(site.parent)
        for part, paths in enumerate(dealt):
            tree = Path(tempfile.mkdtemp(prefix=parts.TREE_PREFIX, dir=site.parent))
            try:
                parts.link_tree(site, paths, tree)
                failure = _run(_command(tree, parts.folder(bundle, part)), started)
            finally:
                shutil.rmtree(tree, ignore_errors=True)
            if failure:
                return f"Pagefind a échoué sur {output_path} (partie {part + 1} sur {len(dealt)}) : {failure}"
            if part:
                parts.keep_index_only(parts.folder(bundle, part))
        parts.write_list(bundle, len(dealt))
    except OSError as error:
        return f"Pagefind n’a pas pu indexer {output_path} : {error}"
    return None


def _run(command: list[str], started) -> str | None:
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   encoding="utf-8", errors="replace")
    except OSError as error:
        return str(error)
    if started is not None:
        started(process)
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return f"pas fini en {TIMEOUT} s"
    if process.returncode != 0:
        return (stderr or stdout).strip()[-800:] or f"code de sortie {process.returncode}"
    return None


class Indexing:
    """Pagefind's command over a staged site (a publishing background job)."""

    def __init__(self, output_path: str, part_pages: int | None):
        self.output_path = output_path
        self.failure: str | None = None
        self._process: subprocess.Popen | None = None
        self._cancelled = False
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._index, args=(part_pages,), daemon=True)
        self.thread.start()

    def _started(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._process = process
            if self._cancelled:
                process.kill()

    def _index(self, part_pages) -> None:
        self.failure = index_site(self.output_path, part_pages, self._started)

    def wait(self) -> list[Problem]:
        self.thread.join()
        return [Problem("", None, self.failure)] if self.failure else []

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._process is not None and self._process.poll() is None:
                self._process.kill()
        self.thread.join()


def _live(settings: dict):
    return live_index(settings["PATH"], {"exclude_selectors": EXCLUDED}, settings["PAGEFIND_PART_PAGES"])


def on_finalized(pelican):
    if not pelican.settings["PAGEFIND"]:
        return
    if pelican.settings["PAGEFIND_LIVE"]:
        previous = pelican.settings.get(PREVIOUS_OUTPUT)  # the public site, when there is one
        job = LiveJob(_live(pelican.settings), Path(pelican.output_path),
                      Path(previous) / BUNDLE if previous else None)
        if not (background_open(pelican) and in_background(pelican, job)):
            for problem in job.wait():
                log.error("%s", problem)
        return
    if background_open(pelican):
        in_background(pelican, Indexing(pelican.output_path, pelican.settings["PAGEFIND_PART_PAGES"]))
        return
    failure = index_site(pelican.output_path, pelican.settings["PAGEFIND_PART_PAGES"])
    if failure:
        log.error("%s", failure)


def update_placed(settings: dict, output: Path) -> list[Problem]:
    """pages_placed (publishing): livereload changed pages in place; the live index follows."""
    if not (settings["PAGEFIND"] and settings["PAGEFIND_LIVE"]):
        return []
    index = _live(settings)
    return index.attempt(lambda: index.update_in_place(Path(output)), output)


def register():
    signals.finalized.connect(on_finalized)
    pages_placed.connect(update_placed)

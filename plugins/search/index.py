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
import subprocess
from pathlib import Path

from pelican import signals

from publishing import PREVIOUS_OUTPUT, background_open, in_background, pages_placed
from shared import Problem

from .live import BUNDLE, LiveJob, live_index
from .service import binary

log = logging.getLogger(__name__)
TIMEOUT = 600


EXCLUDED = [".headerlink"]  # heading permalinks ("#") would otherwise show up in every excerpt


def _command(output_path: str) -> list[str]:
    excluded = [word for selector in EXCLUDED for word in ("--exclude-selectors", selector)]
    return [*binary(), "--site", str(output_path), "--quiet", *excluded]


def index_site(output_path: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(output_path), capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=TIMEOUT)


def _failure(output_path: str, returncode: int, stdout: str, stderr: str) -> str | None:
    if returncode == 0:
        return None
    return f"Pagefind a échoué sur {output_path} : {(stderr or stdout).strip()[-800:]}"


class Indexing:
    """Pagefind running over a staged site (a publishing background job)."""

    def __init__(self, output_path: str):
        self.output_path = output_path
        self.process = subprocess.Popen(_command(output_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, encoding="utf-8", errors="replace")

    def wait(self) -> list[Problem]:
        try:
            stdout, stderr = self.process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cancel()
            return [Problem("", None, f"Pagefind n’a pas pu indexer {self.output_path} : "
                                      f"pas fini en {TIMEOUT} s")]
        failure = _failure(self.output_path, self.process.returncode, stdout, stderr)
        return [Problem("", None, failure)] if failure else []

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def _live(settings: dict):
    return live_index(settings["PATH"], {"exclude_selectors": EXCLUDED})


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
    try:
        if background_open(pelican):
            in_background(pelican, Indexing(pelican.output_path))
            return
        result = index_site(pelican.output_path)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.error("Pagefind n’a pas pu indexer %s : %s", pelican.output_path, error)
        return
    failure = _failure(pelican.output_path, result.returncode, result.stdout, result.stderr)
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

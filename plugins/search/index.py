"""Runs the Pagefind binary shipped in the `pagefind` wheel over OUTPUT_PATH.

In a build run by build.py, the indexing is left running in its own process
while the build goes on (the leak audit reads the sources and scans the pages
meanwhile, on the other core); build.py waits for it before the site is
accepted, and its failure refuses the site. Elsewhere it runs at once.
"""

from __future__ import annotations

import logging
import subprocess
import sys

from pelican import signals

from publishing import background_open, in_background
from shared import Problem

log = logging.getLogger(__name__)
TIMEOUT = 600


def _binary() -> list[str]:
    """The binary itself: `python -m pagefind` only finds it and runs it, in 0.08 s."""
    try:
        from pagefind_bin_extended import get_executable

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "pagefind"]


def _command(output_path: str) -> list[str]:
    # Heading permalinks ("#") would otherwise show up in every excerpt.
    return [*_binary(), "--site", str(output_path), "--quiet", "--exclude-selectors", ".headerlink"]


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


def on_finalized(pelican):
    if not pelican.settings["PAGEFIND"]:
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


def register():
    signals.finalized.connect(on_finalized)

"""Runs the Pagefind binary shipped in the `pagefind` wheel over OUTPUT_PATH."""

from __future__ import annotations

import logging
import subprocess
import sys

from pelican import signals

log = logging.getLogger(__name__)


def index_site(output_path: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        # Heading permalinks ("#") would otherwise show up in every excerpt.
        [sys.executable, "-m", "pagefind", "--site", str(output_path), "--quiet",
         "--exclude-selectors", ".headerlink"],
        capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=600,
    )


def on_finalized(pelican):
    if not pelican.settings["PAGEFIND"]:
        return
    try:
        result = index_site(pelican.output_path)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.error("Pagefind n’a pas pu indexer %s : %s", pelican.output_path, error)
        return
    if result.returncode != 0:
        log.error("Pagefind a échoué sur %s : %s", pelican.output_path,
                  (result.stderr or result.stdout).strip()[-800:])


def register():
    signals.finalized.connect(on_finalized)

"""Intra-site links that point nowhere fail the build, naming the file and the line.

Pelican replaces `{filename}x.md`, `{static}x.png` and `{attach}x.pdf` with the
target's address; when no content has that source path it only warns, in
English and without saying where, then publishes `href="{filename}x.md"`: a
broken link on the public site. Pelican offers no signal for it, so the one
method that makes the replacement is wrapped: it runs unchanged, and when the
marker is still there afterwards, the source is named as a build error (which
publishing/build.py turns into a refused build). Pelican's own warning, said
better here, is filtered out.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote, urlsplit

from pelican.contents import Content

from shared import Problem

log = logging.getLogger(__name__)
_LOCAL = {"filename", "static", "attach"}
_original = Content._link_replacer


def _line_of(path: str, needle: str) -> int | None:
    try:
        with open(path, encoding="utf-8") as source:
            for number, line in enumerate(source, start=1):
                if needle in line:
                    return number
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _target(content, target: str) -> str:
    """The path under content/ a link names, resolved as Pelican does (from
    content/ with a leading /, else from the text's folder)."""
    path = unquote(urlsplit(target).path)
    path = path[1:] if path.startswith("/") else os.path.join(content.relative_dir, path)
    return os.path.normpath(path).replace(os.sep, "/")


def _checked_link_replacer(self, siteurl, match):
    replaced = _original(self, siteurl, match)
    what = match.group("what")
    if what not in _LOCAL:
        return replaced
    marker, target = match.group("path"), match.group("value")
    resolved = _target(self, target)
    # {static} to a missing file "resolves": Pelican makes an entry for the file it will fail to copy.
    if marker in replaced or not os.path.isfile(os.path.join(self.settings["PATH"], resolved)):
        where = os.path.relpath(self.source_path, os.path.dirname(self.settings["PATH"]))
        kind = "fichier" if what != "filename" else "texte"
        log.error("%s", Problem(where, _line_of(self.source_path, target),
                                f"lien «\u202f{marker}\u202f»\u00a0: aucun {kind} à content/{resolved} (un chemin "
                                "part du dossier du texte, ou de content/ s’il commence par /)"))
    return replaced


class _SaidBetter(logging.Filter):
    def filter(self, record):
        return not str(record.msg).startswith("Unable to find '")


def install() -> None:
    """Wrap the replacement once per process (every build shares the class)."""
    if Content._link_replacer is not _checked_link_replacer:
        Content._link_replacer = _checked_link_replacer
        logging.getLogger("pelican.contents").addFilter(_SaidBetter())

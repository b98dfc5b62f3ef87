"""Defence in depth: no clear copy of a reserved image in the public output.

This check trusts nothing the build did (images.py keeps reserved images out
of the output; this module does not import it). It reads the content sources
again: the reserved part of a Markdown file is everything after its first
`<!-- tier: … -->` comment line (outside fenced code), or its whole body under
a `Tier:` header naming a reserved tier (`:tier:` in reST, a `tier` meta tag in
HTML). A file of the content folder that the reserved part of some source
refers to, and that no public material refers to (the public part and the
header of any source, a string setting, a theme file), is a reserved image.
Every file under the output whose bytes are such an image's, or hold them
(raw, base64 or gzip-compressed), is reported.
"""

from __future__ import annotations

import base64
import gzip
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from shared import Problem, read_header, strings

MARKDOWN = (".md", ".markdown", ".mkd", ".mdown")
SOURCES = MARKDOWN + (".rst", ".html", ".htm")
MIN_CONTAINED = 16  # bytes: a shorter file is not looked for inside others

_DIVIDER = re.compile(r"^ {0,3}<!--\s*tier\s*:", re.I)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RST_TIER = re.compile(r"^:tier:\s*(\S+)", re.I | re.M)
_HTML_TIER = re.compile(r"<meta\s+name=[\"']tier[\"']\s+content=[\"']([^\"']+)[\"']", re.I)
_TOKEN = re.compile(r"(?:[{|](?:static|attach|filename)[|}])?[^\s\"'<>(){}\[\]\\`|,;*]+")
_LINK_MARK = re.compile(r"^[{|](?:static|attach|filename)[|}]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_PATH_SETTINGS = {"THEME_TEMPLATES_OVERRIDES", "STATIC_PATHS", "STATIC_EXCLUDES", "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "PAGE_PATHS",
                  "PAGE_EXCLUDES", "IGNORE_FILES", "EXTRA_PATH_METADATA", "PATH", "OUTPUT_PATH",
                  "PRIVATE_OUTPUT_PATH", "CACHE_PATH", "PLUGIN_PATHS", "THEME", "THEME_STATIC_PATHS"}
_THEME_TEXTS = (".html", ".htm", ".xml", ".j2", ".jinja", ".jinja2", ".css", ".js", ".mjs", ".json", ".txt",
                ".svg", ".webmanifest")


def _public_tier(settings: dict) -> str:
    tiers = settings.get("TIERS") or ()
    first = tiers[0] if tiers and isinstance(tiers[0], dict) else {}
    return str(first.get("id") or "public").strip().lower()


def _markdown_parts(text: str, public_tier: str) -> tuple[str, str]:
    """(public, reserved) text of a Markdown source, by this module's reading."""
    lines = text.split("\n")
    found = read_header(lines)
    reserved_whole = found.value("tier").lower() not in ("", public_tier)
    header, body = lines[:found.body], lines[found.body:]
    if reserved_whole:
        return "\n".join(header), "\n".join(body)
    fence = None
    for number, line in enumerate(body):
        match = _FENCE.match(line)
        if match:
            if fence is None:
                fence = match.group(1)
            elif match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if fence is None and _DIVIDER.match(line):
            return "\n".join(header + body[:number]), "\n".join(body[number:])
    return text, ""


def split_source(path: Path, settings: dict) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    public_tier = _public_tier(settings)
    suffix = path.suffix.lower()
    if suffix in MARKDOWN:
        return _markdown_parts(text, public_tier)
    match = _RST_TIER.search(text) if suffix == ".rst" else \
        _HTML_TIER.search(text) if suffix in (".html", ".htm") else None
    if match and match.group(1).strip().lower() != public_tier:
        return "", text  # reserved whole: only the file's own metadata is public, and it rarely names files
    return text, ""


class _Files:
    """The non-source files of the content folder, and what a reference names."""

    def __init__(self, settings: dict):
        self.root = Path(settings["PATH"])
        self.files = {}
        for path in self.root.rglob("*"):
            if path.is_file() and path.suffix.lower() not in SOURCES:
                self.files[path.relative_to(self.root).as_posix()] = path
        self.names = {posixpath.basename(k) for k in self.files}
        self.prefixes = [str(settings.get(k) or "").rstrip("/") for k in ("SITEURL", "FEED_DOMAIN")]
        self.prefixes = [p for p in self.prefixes if p]

    def named(self, text: str, source_dir: str) -> set[str]:
        found = set()
        if not text or not any(name in unquote(text) for name in self.names):
            return found
        for token in _TOKEN.findall(text.replace("&amp;", "&")):
            token = _LINK_MARK.sub("", token)
            for prefix in self.prefixes:
                if token.startswith(prefix + "/"):
                    token = token[len(prefix):]
                    break
            else:
                if _SCHEME.match(token) or token.startswith("//"):
                    continue
            path = unquote(urlparse(token).path)
            if posixpath.basename(path) not in self.names:
                continue
            candidates = [path.lstrip("/")] if path.startswith("/") else \
                [posixpath.join(source_dir, path), path]
            for candidate in candidates:
                candidate = posixpath.normpath(candidate)
                while candidate.startswith("../"):
                    candidate = candidate[3:]
                if candidate in self.files:
                    found.add(candidate)
                    break
        return found


def reserved_images(settings: dict) -> dict[str, tuple[Path, list[str]]]:
    """{content-relative path: (file, [sources whose reserved part cites it])}."""
    files = _Files(settings)
    if not files.files:
        return {}
    public: set[str] = set()
    cited: dict[str, list[str]] = {}
    for path in sorted(files.root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SOURCES:
            continue
        relative = path.relative_to(files.root).as_posix()
        folder = posixpath.dirname(relative)
        open_text, reserved = split_source(path, settings)
        public |= files.named(open_text, folder)
        for name in files.named(reserved, folder):
            cited.setdefault(name, []).append(relative)
    if not cited:
        return {}
    for key, value in settings.items():
        if key.isupper() and key not in _PATH_SETTINGS:
            for text in strings(value):
                public |= files.named(text, "")
    folders = [settings.get("THEME")] + list(settings.get("THEME_TEMPLATES_OVERRIDES") or ())
    for folder in (Path(f) for f in folders if f):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and path.suffix.lower() in _THEME_TEXTS:
                    public |= files.named(path.read_text(encoding="utf-8", errors="ignore"), "")
    return {name: (files.files[name], sources) for name, sources in cited.items() if name not in public}


def _holds(data: bytes, image: bytes, encoded: bytes) -> bool:
    if data == image:
        return True
    if len(image) >= MIN_CONTAINED and len(data) > len(image) and (image in data or encoded in data):
        return True
    return False


@dataclass(frozen=True)
class ClearCopy:
    """A file of the output that holds a reserved image in clear."""

    path: str  # relative to the output folder
    image: str  # content-relative path of the reserved image
    sources: str  # the sources whose reserved part cites it, as the author knows them

    @property
    def problem(self) -> Problem:
        return Problem(self.path, None, f"copie en clair de l’image réservée {self.image}, "
                                        f"citée seulement dans une partie réservée ({self.sources})")

    def __str__(self) -> str:
        return str(self.problem)


def clear_reserved_images(settings: dict, output) -> list[ClearCopy]:
    """One per file under `output` that holds a reserved image in clear, with its French message."""
    images = reserved_images(settings)
    if not images:
        return []
    output = Path(output)
    content = os.path.basename(os.path.normpath(settings["PATH"]))
    wanted = []
    for name, (path, sources) in sorted(images.items()):
        data = path.read_bytes()
        if data:
            wanted.append((name, data, base64.b64encode(data)[:-4] or base64.b64encode(data), sources))
    reports = []
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        data = path.read_bytes()
        views = [data]
        if data[:2] == b"\x1f\x8b":
            try:
                views.append(gzip.decompress(data))
            except (OSError, EOFError):
                pass
        for name, image, encoded, sources in wanted:
            if any(_holds(view, image, encoded) for view in views):
                shown = ", ".join(f"{content}/{s}" for s in sources)
                where = path.relative_to(output).as_posix()
                reports.append(ClearCopy(where, f"{content}/{name}", shown))
    return reports

"""Checks every Markdown source's metadata before Pelican reads it.

Pelican logs a warning and skips a file whose title or date is missing or
unreadable; here every such problem is found up front, named with its file and
line, so the build can refuse to publish a partial site.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pelican.utils import get_date

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")

# Pelican's own keys, then the project's. Extend with EXTRA_METADATA_KEYS.
KNOWN_KEYS = frozenset(
    {
        "title", "date", "modified", "tags", "category", "slug", "author", "authors",
        "summary", "lang", "translation", "status", "save_as", "url", "template",
        "series", "series_index", "issue", "tier", "question", "discussion",
        "image", "description", "keywords", "subtitle", "timezone",
    }
)
REQUIRED = {"articles": ("title", "date"), "pages": ("title",), "newsletter": ("title", "date", "issue")}
STATUSES = {
    "articles": ("published", "draft", "hidden", "skip"),
    "pages": ("published", "draft", "hidden", "skip"),
    "newsletter": ("published", "draft"),
}
_META_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")
_CONTINUATION = re.compile(r"^( {4,}|\t)\S")


def _parse_date(value: str):
    """ISO dates first (fast), then everything Pelican's reader accepts."""
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return get_date(value)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} : {self.message}" if where else self.message


@dataclass(frozen=True)
class Header:
    fields: dict  # key -> (value, line)
    problems: tuple


def read_header(path: Path, shown: str) -> Header:
    """Parse the `Key: value` lines at the top of a Markdown file."""
    fields: dict = {}
    problems = []
    lines = []
    try:
        with path.open(encoding="utf-8") as handle:  # the header only, not the body
            for line in handle:
                line = line.rstrip("\r\n")
                if not line.strip() and lines and lines[0].strip() != "---":
                    break
                lines.append(line)
                if len(lines) > 1 and line.strip() in ("---", "...") and lines[0].strip() == "---":
                    break
    except UnicodeDecodeError as error:
        return Header({}, (Problem(shown, None, f"le fichier n’est pas en UTF-8 ({error.reason})"),))
    start = 1 if lines and lines[0].strip() == "---" else 0
    last_key = None
    for number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip() or (start and line.strip() in ("---", "...")):
            break
        if _CONTINUATION.match(line) and last_key:
            value, at = fields[last_key]
            fields[last_key] = (f"{value} {line.strip()}", at)
            continue
        match = _META_LINE.match(line)
        if not match:
            problems.append(Problem(
                shown, number,
                f"« {line.strip()[:60]} » n’est pas une ligne de métadonnées « Clé: valeur » "
                "(les métadonnées s’arrêtent à la première ligne vide)",
            ))
            break
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in fields:
            problems.append(Problem(shown, number, f"la clé « {match.group(1)} » est répétée"))
        fields[key] = (value, number)
        last_key = key
    return Header(fields, tuple(problems))


def check_file(path: Path, kind: str, shown: str, known_keys: frozenset) -> tuple[list, dict]:
    header = read_header(path, shown)
    problems = list(header.problems)
    fields = header.fields
    if problems and not fields:
        return problems, fields  # unreadable: the rest would only repeat it
    for key, (value, line) in fields.items():
        if key not in known_keys:
            hint = difflib.get_close_matches(key, sorted(known_keys), n=1)
            suggestion = f" ; vouliez-vous dire « {hint[0].capitalize()} » ?" if hint else ""
            problems.append(Problem(shown, line, f"clé de métadonnées inconnue « {key} »{suggestion}"))
    for key in REQUIRED[kind]:
        if key not in fields or not fields[key][0]:
            problems.append(Problem(shown, None, f"métadonnée obligatoire manquante : « {key.capitalize()}: »"))
    for key in ("date", "modified"):
        if key in fields and fields[key][0]:
            value, line = fields[key]
            try:
                _parse_date(value)
            except (ValueError, OverflowError):
                problems.append(Problem(
                    shown, line,
                    f"date illisible « {value} » (format attendu : 2026-11-22 ou 2026-11-22 08:30)",
                ))
    if "status" in fields:
        value, line = fields["status"]
        if value.lower() not in STATUSES[kind]:
            allowed = ", ".join(STATUSES[kind])
            problems.append(Problem(shown, line, f"statut « {value} » inconnu (valeurs possibles : {allowed})"))
    for key in ("series_index", "issue"):
        if key in fields:
            value, line = fields[key]
            if not value.isdigit() or int(value) < 1:
                problems.append(Problem(shown, line, f"« {key.capitalize()}: {value} » doit être un nombre entier positif"))
    return problems, fields


def _files(root: Path, folders) -> list[Path]:
    found = []
    for folder in folders:
        base = root / folder
        if base.is_file():
            found.append(base)
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found.extend(
                Path(dirpath) / name for name in sorted(filenames)
                if name.lower().endswith(MARKDOWN_EXTENSIONS) and not name.startswith(".")
            )
    return found


def _under(relative: Path, folders) -> bool:
    """Whether a path relative to content/ lies in one of these folders ("" is all)."""
    for folder in folders:
        parts = Path(folder).parts if folder not in ("", ".") else ()
        if relative.parts[: len(parts)] == parts:
            return True
    return False


def content_kinds(settings) -> dict[str, list[tuple[Path, Path]]]:
    """The Markdown sources of each kind, as Pelican's generators share them out:
    (path, path relative to content/) for articles, pages and newsletter issues."""
    root = Path(settings["PATH"])
    newsletter = settings.get("NEWSLETTER_PATHS", ["newsletter"])
    pages = settings.get("PAGE_PATHS", ["pages"])
    article_excludes = list(settings.get("ARTICLE_EXCLUDES", ())) + list(pages) + list(newsletter)
    page_excludes = list(settings.get("PAGE_EXCLUDES", ())) + list(newsletter)
    rules = {
        "newsletter": (newsletter, []),
        "pages": (pages, [f for f in page_excludes if f not in ("", ".")]),
        "articles": (settings.get("ARTICLE_PATHS", ["articles"]), [f for f in article_excludes if f not in ("", ".")]),
    }
    ignored = settings.get("IGNORE_FILES") or ()
    kinds: dict[str, list[tuple[Path, Path]]] = {}
    for kind, (folders, excludes) in rules.items():
        found = []
        for path in _files(root, folders):
            relative = path.relative_to(root)
            if any(fnmatch.fnmatch(part, p) for part in relative.parts for p in ignored):
                continue
            if not _under(relative, excludes):
                found.append((path, relative))
        kinds[kind] = sorted(set(found))
    return kinds


def check_content(settings) -> list[Problem]:
    """Every metadata problem in the site's Markdown sources, in file order."""
    root = Path(settings["PATH"])
    known = KNOWN_KEYS | {k.lower() for k in settings.get("EXTRA_METADATA_KEYS", ())}
    problems: list[Problem] = []
    numbers: dict[int, str] = {}
    for kind, files in content_kinds(settings).items():
        for path, relative in files:
            shown = os.path.normpath(os.path.join(os.path.basename(os.path.normpath(root)), str(relative)))
            found, fields = check_file(path, kind, shown, known)
            problems.extend(found)
            if kind == "newsletter" and fields.get("issue", ("",))[0].isdigit():
                number = int(fields["issue"][0])
                if number in numbers:
                    problems.append(Problem(
                        shown, fields["issue"][1],
                        f"le numéro {number} est déjà celui de {numbers[number]}",
                    ))
                numbers.setdefault(number, shown)
    return problems

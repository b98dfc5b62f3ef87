"""Checks every Markdown and reStructuredText source's metadata before Pelican reads it.

Pelican logs a warning and skips a file whose title or date is missing or
unreadable; here every such problem is found up front, named with its file and
line, so the build can refuse to publish a partial site.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path

from pelican.utils import get_date

from shared import Problem, read_source_header

from .sources import content_kinds

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


def _parse_date(value: str):
    """ISO dates first (fast), then everything Pelican's reader accepts."""
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return get_date(value)


def read_metadata(path: Path, shown: str) -> tuple[dict, list[Problem]]:
    """{key: (value, line)} of a source's header, and what is wrong with the header itself."""
    try:
        header = read_source_header(path)
    except UnicodeDecodeError as error:
        return {}, [Problem(shown, None, f"le fichier n’est pas en UTF-8 ({error.reason})")]
    fields = {key: (f.value, f.line) for key, f in header.fields.items()}
    problems = [Problem(shown, f.line, f"la clé «\u202f{f.name}\u202f» est répétée") for f in header.repeats]
    if header.stray is not None and header.stray.value.strip():
        problems.append(Problem(
            shown, header.stray.line,
            f"«\u202f{header.stray.value.strip()[:60]}\u202f» n’est pas une ligne de métadonnées «\u202fClé: valeur\u202f» "
            "(les métadonnées s’arrêtent à la première ligne vide)",
        ))
    return fields, problems


def implied_keys(settings: dict, relative: Path) -> set[str]:
    """Keys a source gets without writing them, as Pelican gives them: from its
    file name (FILENAME_METADATA), its path (PATH_METADATA, EXTRA_PATH_METADATA),
    DEFAULT_METADATA, and a date from DEFAULT_DATE."""
    found = set(settings.get("DEFAULT_METADATA") or {})
    for pattern, subject in ((settings.get("FILENAME_METADATA"), relative.stem),
                             (settings.get("PATH_METADATA"), str(relative))):
        match = re.match(pattern, subject) if pattern else None
        if match:
            found |= {key for key, value in match.groupdict().items() if value}
    found |= set((settings.get("EXTRA_PATH_METADATA") or {}).get(str(relative).replace(os.sep, "/"), {}))
    if settings.get("DEFAULT_DATE"):
        found.add("date")
    return found


def check_file(path: Path, kind: str, shown: str, known_keys: frozenset,
               implied: frozenset = frozenset()) -> tuple[list, dict]:
    fields, problems = read_metadata(path, shown)
    if problems and not fields:
        return problems, fields  # unreadable: the rest would only repeat it
    for key, (value, line) in fields.items():
        if key not in known_keys:
            hint = difflib.get_close_matches(key, sorted(known_keys), n=1)
            suggestion = f" ; vouliez-vous dire « {hint[0].capitalize()} » ?" if hint else ""
            problems.append(Problem(shown, line, f"clé de métadonnées inconnue « {key} »{suggestion}"))
    draft = fields.get("status", ("",))[0].lower() == "draft"
    for key in REQUIRED[kind]:
        if key == "date" and kind == "articles" and draft:
            continue  # Pelican dates a draft when it is published
        if key not in implied and (key not in fields or not fields[key][0]):
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


def check_content(settings) -> list[Problem]:
    """Every metadata problem in the site's Markdown and reST sources, in file order."""
    root = Path(settings["PATH"])
    known = KNOWN_KEYS | {k.lower() for k in settings["EXTRA_METADATA_KEYS"]}
    problems: list[Problem] = []
    numbers: dict[int, str] = {}
    for kind, files in content_kinds(settings).items():
        for path, relative in files:
            shown = os.path.normpath(os.path.join(os.path.basename(os.path.normpath(root)), str(relative)))
            found, fields = check_file(path, kind, shown, known, frozenset(implied_keys(settings, relative)))
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

"""`invoke new`: a new article or newsletter issue, ready to write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.utils import slugify

from shared import read_header_file


class ScaffoldError(Exception):
    pass


def slug_for(title: str, settings: dict) -> str:
    return slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))


def next_issue_number(folder: Path) -> int:
    numbers = [0]
    for path in folder.glob("*.md"):
        number = read_header_file(path).value("issue")
        if number.isdigit():
            numbers.append(int(number))
    return max(numbers) + 1


def new_content(title: str, settings: dict, newsletter: bool = False,
                now: dt.datetime | None = None) -> Path:
    """Write the scaffold and return its path; never overwrite a file."""
    title = title.strip()
    if not title:
        raise ScaffoldError("le titre est vide")
    slug = slug_for(title, settings)
    if not slug:
        raise ScaffoldError(f"impossible de tirer une adresse du titre « {title} »")
    now = now or dt.datetime.now(ZoneInfo(settings.get("TIMEZONE", "UTC")))
    content = Path(settings["PATH"])
    if newsletter:
        folder = content / settings["NEWSLETTER_PATHS"][0]
        folder.mkdir(parents=True, exist_ok=True)
        number = next_issue_number(folder)
        path = folder / f"numero-{number}.md"
        header = [f"Title: {title}", f"Date: {now:%Y-%m-%d %H:%M}", f"Issue: {number}",
                  "Summary: Une phrase qui donne envie d’ouvrir la lettre.", "Status: draft"]
        body = (f"Bonjour,\n\n{'Écrivez' if settings['VOUVOIEMENT'] else 'Écris'} ici la lettre.\n\n"
                f"{settings.get('AUTHOR') or ''}\n")
    else:
        folder = content / settings.get("ARTICLE_PATHS", ["articles"])[0]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{slug}.md"
        header = [f"Title: {title}", f"Slug: {slug}", f"Date: {now:%Y-%m-%d %H:%M}",
                  f"Category: {settings['DEFAULT_CATEGORY']}", "Tags: ",
                  "Summary: Une ou deux phrases qui donnent envie de lire.", "Status: draft"]
        body = "Une ouverture qui pose la question.\n\n## Première partie\n\nLe texte.\n"
    if path.exists():
        raise ScaffoldError(f"{path} existe déjà : choisissez un autre titre ou modifiez ce fichier")
    with path.open("x", encoding="utf-8") as handle:
        handle.write("\n".join(header) + "\n\n" + body)
    return path

"""The sources of the site, as Pelican's generators will share them out, read
without a build: which Markdown files are articles, pages or newsletter issues,
and the index of the articles (their slug, title and address) that the CLI
checks addresses against (comments, reactions)."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from pelican.utils import slugify

from shared import read_header_file

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
SOURCE_EXTENSIONS = MARKDOWN_EXTENSIONS + (".rst", ".rest")  # the texts whose header the checks read


def markdown_files(root: Path, folders, extensions: tuple[str, ...] = MARKDOWN_EXTENSIONS) -> list[Path]:
    """The Markdown files (or files of these extensions) under these folders of
    content/ (a folder may be one file), sorted."""
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
                if name.lower().endswith(extensions) and not name.startswith(".")
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
    """The Markdown and reST sources of each kind, as Pelican's generators share them out:
    (path, path relative to content/) for articles, pages and newsletter issues."""
    root = Path(settings["PATH"])
    newsletter = settings["NEWSLETTER_PATHS"]
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
        for path in markdown_files(root, folders, SOURCE_EXTENSIONS):
            relative = path.relative_to(root)
            if any(fnmatch.fnmatch(part, p) for part in relative.parts for p in ignored):
                continue
            if not _under(relative, excludes):
                found.append((path, relative))
        kinds[kind] = sorted(set(found))
    return kinds




@dataclass(frozen=True)
class ArticleRef:
    """An article as its header gives it, for the CLI: no build needed."""

    slug: str
    title: str
    url: str  # absolute, from SITEURL and ARTICLE_URL
    path: str  # relative to content/


def article_index(settings: dict) -> list[ArticleRef]:
    """The articles under ARTICLE_PATHS that have a title, in file order."""
    root = Path(settings["PATH"])
    found = []
    for path in markdown_files(root, settings["ARTICLE_PATHS"]):
        try:
            header = read_header_file(path)
        except UnicodeDecodeError:
            continue  # the build names it
        title = header.value("title")
        if not title:
            continue
        slug = header.value("slug") or slugify(
            title, regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
            preserve_case=settings["SLUGIFY_PRESERVE_CASE"], use_unicode=settings["SLUGIFY_USE_UNICODE"])
        url = settings["ARTICLE_URL"].format(slug=slug)
        found.append(ArticleRef(slug, title, f"{settings['SITEURL'].rstrip('/')}/{url}", str(path.relative_to(root))))
    return found

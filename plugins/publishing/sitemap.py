"""sitemap.xml of every public page written by the build.

Written here rather than with pelican-sitemap 1.2.2, whose module-level state
remembers the first Pelican instance it saw: after one failed build in the
same process (livereload, tests) it never writes a sitemap again.
A page that asks not to be indexed (`<meta name="robots" content="noindex">`
in its head: 404, search, unsubscribe and feedback pages, drafts) is never
listed; SITEMAP_EXCLUDE, regular expressions matched against output paths,
keeps out more.
"""

from __future__ import annotations

import os
import re
from xml.sax.saxutils import escape

_NOINDEX = re.compile(rb"<meta\s+name=[\"']robots[\"']\s+content=[\"'][^\"']*\bnoindex", re.I)
_HEAD = 16384  # bytes of a page read for its robots tag, which stands in <head>


def asks_not_to_be_indexed(path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(_HEAD).split(b"</head>", 1)[0]
    return bool(_NOINDEX.search(head))


class SitemapCollector:
    """Collects written pages for one build; reset when a build starts."""

    def __init__(self):
        self.pages: dict[str, object] = {}

    def reset(self, pelican=None):
        self.pages = {}

    def written(self, path, context=None):
        context = context or {}
        if not str(path).endswith(".html"):
            return
        content = context.get("article") or context.get("page") or context.get("issue")
        self.pages[str(path)] = content

    def write(self, pelican):
        settings = pelican.settings
        siteurl = settings.get("SITEURL", "").rstrip("/")
        exclude = [re.compile(p) for p in settings["SITEMAP_EXCLUDE"]]
        entries = []
        for path, content in self.pages.items():
            relative = os.path.relpath(path, pelican.output_path).replace(os.sep, "/")
            if any(p.search(relative) for p in exclude):
                continue
            if content is not None and getattr(content, "status", "published") != "published":
                continue
            if asks_not_to_be_indexed(path):
                continue
            url = re.sub(r"(^|/)index\.html$", r"\1", relative)
            stamp = getattr(content, "modified", None) or getattr(content, "date", None)
            entries.append((url, stamp))
        lines = ['<?xml version="1.0" encoding="utf-8"?>',
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        for url, stamp in sorted(entries, key=lambda e: e[0]):
            lastmod = f"<lastmod>{stamp.isoformat()}</lastmod>" if stamp else ""
            lines.append(f"<url><loc>{escape(f'{siteurl}/{url}')}</loc>{lastmod}</url>")
        lines.append("</urlset>")
        with open(os.path.join(pelican.output_path, "sitemap.xml"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        self.reset()


collector = SitemapCollector()

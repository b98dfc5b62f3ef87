"""One build in a fresh interpreter; prints JSON. Used by build_bench.py.

`stock`: Pelican 4.12 with its default theme and no plugins.
`project`: the project's build, as `invoke build` runs it (load_settings, then build).
`rebuild`: what `invoke livereload` does in its long-lived process: a first build, then,
for each of a few articles, append a sentence to it (`--edit card`: change its title;
`--edit draft`: write a new draft as `invoke new` does, then delete it)
and let livereload's worker see it (with its live search index, PAGEFIND_LIVE, unless
--no-search); prints the seconds from each save to the changed pages on disk, to the
search index that holds the change, and to the end of the full build that confirms it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))


def stock(content: Path, output: Path, cache: Path) -> None:
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(output), "CACHE_PATH": str(cache),
        "ARTICLE_PATHS": ["articles"], "CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader", "SITEURL": "http://localhost:8000",
        "FEED_DOMAIN": "http://localhost:8000", "DELETE_OUTPUT_DIRECTORY": True,
        "TIMEZONE": "Europe/Paris", "DEFAULT_LANG": "fr", "PLUGINS": [],
        "MARKDOWN": {"extension_configs": {"markdown.extensions.extra": {},
                                           "markdown.extensions.meta": {},
                                           "markdown.extensions.toc": {}},
                     "output_format": "html5"},
        "ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html",
    })
    Pelican(settings).run()


def project_settings(content: Path, output: Path, cache: Path, pagefind: bool, processes: int = 0) -> dict:
    from publishing.build import load_settings

    return load_settings(str(ROOT / "pelicanconf.py"), {
        "PATH": str(content), "OUTPUT_PATH": str(output), "CACHE_PATH": str(cache),
        # Member-only artefacts next to the output, never in the repository's private/.
        "PRIVATE_OUTPUT_PATH": str(output.parent / f"{output.name}-private"),
        "PAGEFIND": pagefind, "BUILD_PROCESSES": processes,
    })


def project(content: Path, output: Path, cache: Path, pagefind: bool, processes: int = 0) -> None:
    from publishing.build import build

    build(project_settings(content, output, cache, pagefind, processes))


def rebuild(content: Path, output: Path, cache: Path, pagefind: bool, edits: int, edit: str = "text") -> dict:
    """What `invoke livereload` does: its worker (publishing.serve.rebuild_on_change, with
    watchfiles) and its LiveSite; timed from each save to the changed pages on disk
    (polled every millisecond), and to the end of the full build that confirms it.

    `text`: a sentence appended to the article; the page is its own.
    `card`: its title changed (a `Slug:` keeps its address): every page that links to it
    before the edit is polled, and the time is that of the last one to show the new title
    among those that show it once the full build is done (a page that only the full build
    brought up to date counts at that build's end).
    `draft`: a new draft, written as `invoke new` writes it; its page (deleted after).
    `date`: its date made the newest (the top of every list it is in), `tags`: a new tag
    added to it: timed to the worker's word that every changed page is in place."""
    import threading

    from publishing.quick import LiveSite
    from publishing.scaffold import new_content, slug_for
    from publishing.serve import rebuild_on_change

    live = LiveSite(dict(project_settings(content, output, cache, pagefind), PAGEFIND_LIVE=True))
    live.build()
    built = threading.Event()

    def full() -> bool:
        live.build()
        built.set()
        return True

    stop = threading.Event()
    said: list[tuple[float, str]] = []  # what the worker says, when
    worker = threading.Thread(target=rebuild_on_change, daemon=True,
                              args=(live, [str(content)], full, lambda: None,
                                    lambda line: said.append((time.perf_counter(), line)), stop))
    worker.start()
    time.sleep(1.0)  # the watcher is listening
    articles = sorted((content / "articles").glob("*.md"))
    page_seconds, confirmed_seconds, pages_shown, index_seconds = [], [], [], []
    for number in range(edits):
        path = articles[(len(articles) // 2 + 37 * number) % len(articles)]
        slug = path.read_text(encoding="utf-8").split("\n", 1)[0].split("numéro ")[1].strip()
        address = f"article-de-banc-d-essai-numero-{slug}"
        page = output / address / "index.html"
        text = path.read_text(encoding="utf-8")
        marker = f"Une phrase ajoutée, modification {number}."
        if edit == "card":
            marker = f"Un titre revu, modification {number}"
            watched = [page] + [p for p in output.rglob("*.html") if p != page and f"/{address}/" in _read(p)]
            changed = text.replace(f"Title: Article de banc d'essai numéro {slug}",
                                   f"Slug: {address}\nTitle: {marker}", 1)
        elif edit == "date":  # the newest now: the top of every list it is in
            marker = f"2027-01-{1 + number:02d} 08:00"
            watched, changed = [], re.sub(r"^Date: .*$", f"Date: {marker}", text, count=1, flags=re.M)
        elif edit == "tags":  # one tag more: its listing gains it, the tags' page counts it
            marker = f"étiquette neuve {number}"
            watched, changed = [], re.sub(r"^Tags: ", f"Tags: {marker}, ", text, count=1, flags=re.M)
        elif edit == "draft":  # `invoke new`: a new file
            marker = f"Une idée neuve, modification {number}"
            path = content / "articles" / f"{slug_for(marker, live.settings)}.md"
            watched, text = [output / "brouillons" / path.stem / "index.html"], None
        else:
            watched, changed = [page], text + f"\n{marker}\n"
        seen: dict[Path, float] = {}
        index = _Index(output / "pagefind", marker) if pagefind and edit not in ("draft", "date", "tags") else None
        built.clear()
        if edit == "draft":
            new_content(marker, live.settings)
        else:
            path.write_text(changed, encoding="utf-8")
        saved = time.perf_counter()
        said.clear()
        while (len(seen) < len(watched) or (index and index.seconds is None) or (edit in ("date", "tags") and not said)) \
                and not built.is_set():
            for watched_page in watched:
                if watched_page not in seen and marker in _read(watched_page):
                    seen[watched_page] = time.perf_counter() - saved
            if index:
                index.look(saved)
            time.sleep(0.001)
        built.wait()
        confirmed_seconds.append(time.perf_counter() - saved)
        if index:
            index.look(saved)
            index_seconds.append(index.seconds if index.seconds is not None else confirmed_seconds[-1])
        if edit in ("date", "tags"):  # every changed page is in place when the worker says so
            quick = [(at, line) for at, line in said if line.startswith("Page à jour")]
            page_seconds.append(quick[0][0] - saved if quick else confirmed_seconds[-1])
            pages_shown.append(len(quick[0][1].split(", ")) if quick else 0)
        else:
            shown = [p for p in watched if marker in _read(p)]
            page_seconds.append(max(seen.get(p, confirmed_seconds[-1]) for p in shown))
            pages_shown.append(len(shown))
        built.clear()
        if text is None:
            path.unlink()  # the corpus stays as generated
        else:
            path.write_text(text, encoding="utf-8")
        built.wait()
    stop.set()
    return {"rebuilds": page_seconds, "confirmed": confirmed_seconds, "pages": pages_shown, "index": index_seconds}


class _Index:
    """Watches the search bundle for a fragment holding `marker` (a bundle is put in place
    by renaming its folder: only a new folder is read, and only its new fragments)."""

    def __init__(self, bundle: Path, marker: str):
        self.bundle, self.marker = bundle, marker.encode("utf-8")
        self.seconds: float | None = None
        self.folder = self._inode()
        self.read: set[str] = set(self._fragments())

    def _inode(self):
        try:
            return self.bundle.stat().st_ino
        except OSError:
            return None

    def _fragments(self) -> list[str]:
        """Each fragment's path in the bundle, in every part of the index its parts.json
        names (search/parts.py)."""
        from search.parts import LIST

        try:
            listed = json.loads((self.bundle / LIST).read_text(encoding="utf-8"))["parts"]
        except (OSError, ValueError, KeyError):
            listed = []  # between two swaps: the next look reads it
        found = []
        for part in [self.bundle, *(self.bundle / name for name in listed)]:
            try:
                found.extend(f"{part.relative_to(self.bundle).as_posix()}/fragment/{entry.name}"
                             for entry in os.scandir(part / "fragment"))
            except OSError:
                continue
        return found

    def look(self, saved: float) -> None:
        folder = self._inode()
        if self.seconds is not None or folder == self.folder:
            return
        self.folder = folder
        for name in self._fragments():
            if name not in self.read:
                self.read.add(name)
                try:
                    data = gzip.decompress((self.bundle / name).read_bytes())
                except (OSError, EOFError, gzip.BadGzipFile):
                    continue
                if self.marker in data:
                    self.seconds = time.perf_counter() - saved
                    return


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:  # between two atomic replacements
        return ""


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["stock", "project", "rebuild"])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--pagefind", action="store_true")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--no-search", action="store_true", help="rebuild: PAGEFIND = False")
    parser.add_argument("--edit", choices=["text", "card", "draft", "date", "tags"], default="text")
    parser.add_argument("--processes", type=int, default=0, help="BUILD_PROCESSES (0: one per core)")
    args = parser.parse_args()
    import logging
    logging.disable(logging.WARNING)  # stock Pelican warns about the missing theme bits
    started, cpu = time.perf_counter(), time.process_time()
    result = {}
    if args.kind == "stock":
        stock(args.content, args.output, args.cache)
    elif args.kind == "project":
        project(args.content, args.output, args.cache, args.pagefind, args.processes)
    else:
        result.update(rebuild(args.content, args.output, args.cache, not args.no_search, args.edits, args.edit))
    result.update(seconds=time.perf_counter() - started, cpu=time.process_time() - cpu)
    print(json.dumps(result))

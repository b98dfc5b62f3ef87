"""What an author waits for with `invoke livereload`: from the save to the new sentence
on the screen, in a real browser, on a site of 1,000 long articles.

python bench/livereload_bench.py [--edits 5] [--count 1000]

A project folder is made in a temporary directory (the repository's tasks.py and
settings, its theme and plugins linked, the generated corpus of build_bench.py as its
content); `invoke livereload` runs there as the author runs it. Debian's Chromium
(through playwright, never a downloaded browser) opens an article; then, for each
edit, a sentence is appended to that article's source and the time is taken from
the write to the moment the page in the browser shows it (the browser reloads by
itself: livereload's websocket). The sentence holds a word found nowhere else; a
second tab then searches for it on the site's search page, again and again, and the
time is taken to the first search that lists the article (livereload's search index,
PAGEFIND_LIVE; each search takes a few hundredths of a second). After each edit, the
full build that confirms it is awaited (its « Reconstruit » line) before the next.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "plugins"), str(ROOT / "tests")]
from conftest import CHROMIUM, CHROMIUM_ARGS, make_project, port_open  # noqa: E402
from generate import generate  # noqa: E402


WORDS = ["quintouflard", "brocalimbe", "vermichoux", "padoulette", "tirlimpin", "galimafrette", "bistanclaque"]


def _lists(page, port: int, word: str, slug: str) -> bool:
    """Whether the site's search page lists the article for `word` (one search)."""
    page.goto(f"http://localhost:{port}/recherche/?q={word}")
    page.wait_for_function("['pour', 'indisponible'].some((word) => "
                           "document.querySelector('[data-search-status]').textContent.includes(word))",
                           timeout=30_000)  # unavailable: the bundle was swapped as it loaded, look again
    return any(f"numero-{slug}/" in (href or "") for href in
               page.locator(".search-results h2 a").evaluate_all("links => links.map(a => a.href)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "corpus-long")
    args = parser.parse_args()
    from build_bench import GATED_EVERY, SECTIONS

    generate(args.count, args.work / "content", gated_every=GATED_EVERY, sections=SECTIONS)
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="nenufar-livereload-"))
    make_project(folder, (args.work / "content").resolve())
    port = 8000  # SITEURL's: the search page loads its index from there
    if port_open(port, 0.2):
        raise SystemExit("port 8000 is taken: stop what listens there (another invoke serve?)")
    server = subprocess.Popen([sys.executable, "-m", "invoke", "livereload", "--port", str(port)], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                              env={**os.environ, "PYTHONUTF8": "1"})
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(server.stdout.readline, "")), daemon=True).start()
    number = args.count // 2 + 1  # not gated: the appended sentence is public
    number += number % GATED_EVERY == 0
    source = sorted((args.work / "content" / "articles").glob("*.md"))[number - 1]
    original = source.read_text(encoding="utf-8")
    slug = original.split("\n", 1)[0].split("numéro ")[1].strip()
    url = f"http://localhost:{port}/article-de-banc-d-essai-numero-{slug}/"
    shown, confirmed, found = [], [], []
    try:
        deadline = time.time() + 300
        while not any("Rechargement automatique" in line for line in lines):
            if server.poll() is not None or time.time() > deadline:
                raise SystemExit("livereload did not start:\n" + "".join(lines))
            time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            page.wait_for_timeout(1000)  # livereload.js has connected its websocket
            search = browser.new_page()
            for edit in range(args.edits):
                word = WORDS[edit % len(WORDS)]
                marker = f"Une phrase écrite à l’instant, numéro {edit}, avec le mot {word}."
                built = sum("Reconstruit" in line for line in lines)
                source.write_text(original + f"\n{marker}\n", encoding="utf-8")
                saved = time.perf_counter()
                page.wait_for_function(f"() => document.body && document.body.innerText.includes({marker!r})",
                                       polling="raf", timeout=60_000)
                shown.append(time.perf_counter() - saved)
                while time.perf_counter() - saved < 60 and not _lists(search, port, word, slug):
                    pass
                found.append(time.perf_counter() - saved)
                while sum("Reconstruit" in line for line in lines) <= built:
                    time.sleep(0.005)
                confirmed.append(time.perf_counter() - saved)
                time.sleep(0.5)
            browser.close()
    finally:
        source.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    quick = sum("Page à jour" in line for line in lines)
    print(json.dumps({"shown": shown, "found": found, "confirmed": confirmed, "quick_paths": quick}))
    med = statistics.median
    print(f"| one article saved, `invoke livereload`: the new sentence on screen in Chromium (save → shown) | "
          f"{med(shown):.2f} s | runs: {', '.join(f'{s:.2f}' for s in shown)} s |")
    print(f"| the same save: its new word found by the site's search page (save → listed) | {med(found):.2f} s | "
          f"runs: {', '.join(f'{s:.2f}' for s in found)} s |")
    print(f"| the same save: the full build that confirms it done | {med(confirmed):.2f} s | "
          f"runs: {', '.join(f'{s:.2f}' for s in confirmed)} s |")


if __name__ == "__main__":
    main()

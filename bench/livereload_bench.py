"""What an author waits for with `invoke livereload`: from the save to the new sentence
on the screen, in a real browser, on a site of 1,000 long articles.

python bench/livereload_bench.py [--edits 5] [--count 1000]

A project folder is made in a temporary directory (the repository's tasks.py and
settings, its theme and plugins linked, the generated corpus of build_bench.py as its
content); `invoke livereload` runs there as the author runs it. Debian's Chromium
(through playwright, never a downloaded browser) opens an article; then, for each
edit, a sentence is appended to that article's source and the time is taken from
the write to the moment the page in the browser shows it (the browser reloads by
itself: livereload's websocket). After each edit, the full build that confirms it
is awaited (its « Reconstruit » line) before the next.
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
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port, make_project  # noqa: E402
from generate import generate  # noqa: E402


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
    port = free_port()
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
    shown, confirmed = [], []
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
            for edit in range(args.edits):
                marker = f"Une phrase écrite à l’instant, numéro {edit}."
                built = sum("Reconstruit" in line for line in lines)
                source.write_text(original + f"\n{marker}\n", encoding="utf-8")
                saved = time.perf_counter()
                page.wait_for_function(f"() => document.body && document.body.innerText.includes({marker!r})",
                                       polling="raf", timeout=60_000)
                shown.append(time.perf_counter() - saved)
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
    print(json.dumps({"shown": shown, "confirmed": confirmed, "quick_paths": quick}))
    med = statistics.median
    print(f"| one article saved, `invoke livereload`: the new sentence on screen in Chromium (save → shown) | "
          f"{med(shown):.2f} s | runs: {', '.join(f'{s:.2f}' for s in shown)} s |")
    print(f"| the same save: the full build that confirms it done | {med(confirmed):.2f} s | "
          f"runs: {', '.join(f'{s:.2f}' for s in confirmed)} s |")


if __name__ == "__main__":
    main()

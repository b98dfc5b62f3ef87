"""Reactions benchmark: 200 sources of 50 entries each from a local HTTP server.

python bench/reactions_bench.py [--sources 200] [--entries 50]
Times a full fetch (fetch, parse, match, store), a second fetch where every
source answers 304, and feedparser's default parse of the same files alone (the
floor). Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins")]

import feedparser  # noqa: E402

from reactions.fetch import fetch_all  # noqa: E402
from reactions.match import Matcher  # noqa: E402
from reactions.store import Store  # noqa: E402

PARAGRAPH = ("<p>Une communauté qui lit jusqu’au bout vaut mieux qu’une foule qui passe ; "
             "<a href=\"https://nenufar.example/l-avenir-est-aux-communautes/?utm_source=x\">on y revient</a>, "
             "<em>on y répond</em>, on y apporte un ami.</p>")


def feed(number: int, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Billet {i} du blog {number}</title><link>https://blog{number}.exemple/{i}</link>"
        f"<guid>https://blog{number}.exemple/{i}</guid><pubDate>Sat, 21 Nov 2026 10:{i % 60:02d}:00 +0100</pubDate>"
        f"<description><![CDATA[{PARAGRAPH * 3}]]></description></item>" for i in range(entries))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog {number}</title>'
            f"<link>https://blog{number}.exemple/</link>{items}</channel></rss>").encode()


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.directory) / self.path.lstrip("/")
        data = path.read_bytes()
        etag = '"' + hashlib.sha1(data).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reactions-bench-"))
    files = []
    for number in range(args.sources):
        path = work / "feeds" / f"{number}.xml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(feed(number, args.entries))
        files.append(path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(work / "feeds")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    store = Store(work / "reactions.sqlite3")
    for number in range(args.sources):
        store.upsert_source(f"http://127.0.0.1:{port}/{number}.xml", f"Blog {number}", "blog")
    matcher = Matcher([{"slug": "l-avenir-est-aux-communautes", "title": "L’avenir est aux communautés",
                        "url": "https://nenufar.example/l-avenir-est-aux-communautes/"}], ["Nénufar"])
    started = time.perf_counter()
    first = asyncio.run(fetch_all(store, matcher))
    full = time.perf_counter() - started
    assert all(r.status == "ok" for r in first), [r.error for r in first if r.status != "ok"][:3]
    stored = len(store.entries())
    started = time.perf_counter()
    second = asyncio.run(fetch_all(store, matcher))
    again = time.perf_counter() - started
    assert all(r.status == "not-modified" for r in second)
    started = time.perf_counter()
    for path in files:
        feedparser.parse(path.read_bytes())
    floor = time.perf_counter() - started
    server.shutdown()
    store.close()
    total = args.sources * args.entries
    print(f"{args.sources} sources x {args.entries} entries ({total} entries, {stored} stored)")
    print(f"full fetch (fetch, parse, match, store): {full:.2f} s")
    print(f"second fetch, every source 304:          {again:.2f} s")
    print(f"feedparser's default parse alone:        {floor:.2f} s")
    print(f"pipeline / feedparser alone: {full / floor:.2f}")


if __name__ == "__main__":
    main()

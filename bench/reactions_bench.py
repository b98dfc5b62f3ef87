"""Reactions benchmark: feeds served on loopback by a separate server process.

python bench/reactions_bench.py [--sources 200] [--entries 50] [--many 2000] [--many-entries 10] [--repeat 1]

Part 1 (`--sources` x `--entries`): a full fetch (sync, fetch, parse, match,
store), a second fetch where every source answers 304, and feedparser's default
parse of the same files alone (the floor): the ratio pipeline / feedparser.

Part 2 (`--many` sources of `--many-entries` entries, issue 11): from a fresh
store and the OPML's list, the time from the call to `sources.sync` to the
first request the server receives; the full first fetch; and the full re-run
where every source answers 304 (sync, plan, 2,000 conditional requests, 2,000
stored states). Then the same through the author's command, `invoke
reactions.fetch`, in a copy of the project (its start-up included: Python,
invoke, Pelican's settings, the article index).

The server is an asyncio HTTP/1.1 server with keep-alive and ETags, in its own
process (so that it does not share the fetcher's interpreter); it writes the
monotonic time of each first request of a run, which the benchmark reads (the
monotonic clock is the machine's, shared by both processes). Every source is on
the same host and port, so the two-requests-per-server limit applies to all.
Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins")]

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


# The server (run as `reactions_bench.py --serve FOLDER`) ----------------------------------------

def serve(folder: Path) -> None:
    files = {f"/{p.name}": p.read_bytes() for p in folder.glob("*.xml")}
    etags = {path: '"' + hashlib.sha1(data).hexdigest() + '"' for path, data in files.items()}
    marks = {"armed": False}

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.monotonic()
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                if path == "/__arm":  # the benchmark asks for the next request's arrival time
                    marks["armed"] = True
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                if marks["armed"]:
                    marks["armed"] = False
                    sys.stdout.write(f"first {arrived}\n")
                    sys.stdout.flush()
                sent = next((l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("if-none-match:")), None)
                etag = etags.get(path)
                if etag is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                elif sent == etag:
                    writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode())
                else:
                    data = files[path]
                    writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
                                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        sys.stdout.write(f"port {server.sockets[0].getsockname()[1]}\n")
        sys.stdout.flush()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Server:
    def __init__(self, folder: Path):
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(folder)], stdout=subprocess.PIPE,
                                        text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def arm(self) -> None:
        """The next request's arrival time will be reported."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", "/__arm")
        connection.getresponse().read()
        connection.close()

    def first_request(self) -> float:
        return float(self.process.stdout.readline().split()[1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


# The runs --------------------------------------------------------------------------------------

def write_feeds(folder: Path, count: int, entries: int, prefix: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"{prefix}{number}.xml"
        path.write_bytes(feed(number, entries))
        paths.append(path)
    return paths


def fetch_once(store, feeds, matcher, server: Server | None = None):
    """sync + plan + fetch, as `invoke reactions.fetch` does. (report, seconds, seconds to first request)."""
    from reactions import sources
    from reactions.fetch import fetch_all

    if server:
        server.arm()
    started = time.monotonic()
    synced = sources.sync(store, feeds)
    plan = sources.plan(synced.listed)
    report = asyncio.run(fetch_all(store, plan, matcher))
    seconds = time.monotonic() - started
    first = server.first_request() - started if server else None
    return report, seconds, first


def cli_runs(work: Path, server: Server, count: int) -> tuple[float, float, float]:
    """`invoke reactions.fetch` in a copy of the project with `count` sources: (process start to
    first request on a fresh store, the same on the 304 re-run, the 304 re-run's wall time)."""
    import shutil

    project = work / "project"
    if not project.exists():
        project.mkdir()
        for name in ("tasks.py", "pelicanconf.py", "publishconf.py"):
            shutil.copy(ROOT / name, project / name)
        for name in ("theme", "plugins"):
            (project / name).symlink_to(ROOT / name)
        shutil.copytree(ROOT / "content", project / "content")
    (project / "reactions").mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (project / "reactions" / f"reactions.sqlite3{suffix}").unlink(missing_ok=True)
    outlines = "".join(f'<outline type="rss" text="Source {n}" xmlUrl="http://127.0.0.1:{server.port}/m{n}.xml" '
                       'category="blog"/>' for n in range(count))
    (project / "reactions" / "sources.opml").write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head><title>S</title></head><body>{outlines}</body></opml>',
        encoding="utf-8")
    figures = []
    for _ in range(2):
        server.arm()
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "invoke", "reactions.fetch"], cwd=project, capture_output=True,
                              text=True, env={**os.environ, "PYTHONUTF8": "1"})
        wall = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-2000:]
        figures.append((server.first_request() - started, wall))
    return figures[0][0], figures[1][0], figures[1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--many", type=int, default=2000)
    parser.add_argument("--many-entries", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--serve")
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return

    import feedparser

    from reactions.match import Matcher
    from reactions.opml import Feed
    from publishing import ArticleRef
    from reactions.store import Store

    work = Path(tempfile.mkdtemp(prefix="reactions-bench-"))
    files = write_feeds(work / "feeds", args.sources, args.entries, "a")
    write_feeds(work / "feeds", args.many, args.many_entries, "m")
    server = Server(work / "feeds")
    matcher = Matcher([ArticleRef("l-avenir-est-aux-communautes", "L’avenir est aux communautés",
                                  "https://nenufar.example/l-avenir-est-aux-communautes/",
                                  "articles/l-avenir-est-aux-communautes.md")], ["Nénufar"])
    base = f"http://127.0.0.1:{server.port}"
    figures: dict[str, list[float]] = {}
    try:
        for run in range(args.repeat):
            feeds = [Feed(f"{base}/a{n}.xml", f"Blog {n}", "blog") for n in range(args.sources)]
            store = Store(work / f"part1-{run}.sqlite3")
            report, full, _ = fetch_once(store, feeds, matcher)
            assert all(r.status == "ok" for r in report.results), [r.error for r in report.failed][:3]
            stored = len(store.entries())
            report, again, _ = fetch_once(store, feeds, matcher)
            assert all(r.status == "not-modified" for r in report.results)
            store.close()
            started = time.perf_counter()
            for path in files:
                feedparser.parse(path.read_bytes())
            floor = time.perf_counter() - started
            many = [Feed(f"{base}/m{n}.xml", f"Source {n}", "blog") for n in range(args.many)]
            store = Store(work / f"part2-{run}.sqlite3")
            report, many_full, many_first = fetch_once(store, many, matcher, server)
            assert all(r.status == "ok" for r in report.results), [r.error for r in report.failed][:3]
            many_stored = len(store.entries())
            report, many_again, many_again_first = fetch_once(store, many, matcher, server)
            assert all(r.status == "not-modified" for r in report.results)
            store.close()
            cli_first, cli_again_first, cli_again = cli_runs(work, server, args.many)
            for name, value in (("cli_first", cli_first), ("cli_again_first", cli_again_first),
                                ("cli_again", cli_again), ("full", full), ("again", again), ("floor", floor), ("ratio", full / floor),
                                ("many_first", many_first), ("many_full", many_full), ("many_again", many_again),
                                ("many_again_first", many_again_first)):
                figures.setdefault(name, []).append(value)
            print(f"run {run + 1}: {args.sources} x {args.entries} ({stored} stored): full {full:.2f} s, "
                  f"304 {again:.2f} s, feedparser alone {floor:.2f} s, ratio {full / floor:.2f}; "
                  f"{args.many} x {args.many_entries} ({many_stored} stored): first request {many_first:.3f} s, "
                  f"full {many_full:.2f} s, 304 re-run {many_again:.2f} s (first request {many_again_first:.3f} s)",
                  flush=True)
    finally:
        server.stop()

    def shown(name, unit="s", digits=2):
        values = figures[name]
        return (f"median {statistics.median(values):.{digits}f} {unit} "
                f"(range {min(values):.{digits}f} to {max(values):.{digits}f}, {len(values)} runs)")

    print(f"\n{args.sources} sources x {args.entries} entries")
    print(f"full fetch (sync, fetch, parse, match, store): {shown('full')}")
    print(f"second fetch, every source 304:               {shown('again')}")
    print(f"feedparser's default parse alone:             {shown('floor')}")
    print(f"pipeline / feedparser alone:                  {shown('ratio', unit='')}")
    print(f"\n{args.many} sources x {args.many_entries} entries")
    print(f"sync to first request (fresh store):          {shown('many_first', digits=3)}")
    print(f"full first fetch:                             {shown('many_full')}")
    print(f"304 re-run (sync, plan, fetch, store):        {shown('many_again')}")
    print(f"304 re-run, sync to first request:            {shown('many_again_first', digits=3)}")
    print(f"invoke reactions.fetch, process start to first request: fresh store {shown('cli_first', digits=3)}; "
          f"304 re-run {shown('cli_again_first', digits=3)}, whole command {shown('cli_again')}")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()

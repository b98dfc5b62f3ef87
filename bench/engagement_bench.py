"""Engagement service benchmark: one-click unsubscribes and subscriptions per
second, with p50/p99 latency, on SQLite and on PostgreSQL.

python bench/engagement_bench.py [--requests 20000] [--concurrency 32] [--seconds 30]

The service runs as in production: uvicorn with 2 workers and no access log,
in its own processes; SQLite in WAL mode with synchronous=FULL, PostgreSQL with
fsync on. Clients on 127.0.0.1 only, a bounded number of requests and a time limit.

- One-click (RFC 8058 POST `List-Unsubscribe=One-Click`): every request carries
  the token of a different subscriber, so that each one is a real write; `ab`
  repeats a single URL, so this load comes from a small asyncio client (raw
  HTTP/1.1 keep-alive connections, in its own process). Afterwards the number of
  unsubscribed rows must equal the number of requests answered 200.
- Subscriptions (the site's form POST): `ab` (apache2-utils). Every request
  writes one pending request row and sends one confirmation message to a local
  SMTP sink (aiosmtpd, its own process); the rate limits are lifted for the
  run (a single address and a single IP would be refused after 3 and 30). The
  rows must equal the requests answered 200.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "tests")]

from conftest import free_port, port_open  # noqa: E402
from engagement_support import Unavailable, fresh_postgres_database, postgres_server  # noqa: E402

SETTINGS = """import sys
sys.path.insert(0, {root!r})
from pelicanconf import *  # noqa
SITEURL = "http://127.0.0.1:9"
PATH = {root!r} + "/content"
THEME = {root!r} + "/theme"
PLUGIN_PATHS = [{root!r} + "/plugins"]
PRIVATE_OUTPUT_PATH = {private!r}
ENGAGEMENT_URL = {url!r}
ENGAGEMENT_RATE_IP = "100000000/second"
ENGAGEMENT_RATE_ADDRESS = "100000000/second"
SMTP_HOST = "127.0.0.1"
SMTP_PORT = {smtp}
SMTP_TLS = "none"
"""


def wait_for(port: int, timeout: float = 30) -> None:
    if not port_open(port, timeout):
        raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# The one-click client ------------------------------------------------------------

async def _client(port: int, tokens: list[str], concurrency: int, seconds: float):
    latencies, statuses = [], {}
    deadline = time.monotonic() + seconds
    queue = iter(tokens)

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for token in queue:
            if time.monotonic() > deadline:
                break
            request = (f"POST /desabonnement?jeton={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 26\r\n\r\n"
                       "List-Unsubscribe=One-Click").encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


def _client_process(port, tokens, concurrency, seconds, out):
    out.put(asyncio.run(_client(port, tokens, concurrency, seconds)))


def one_click(port: int, tokens: list[str], concurrency: int, seconds: float):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_client_process, args=(port, tokens, concurrency, seconds, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def ab(port: int, work: Path, requests: int, concurrency: int, seconds: float):
    body = work / "abonnement.txt"
    body.write_text("courriel=lectrice%40exemple.fr&nom=L%C3%A9a&site_web=", encoding="ascii")
    done = subprocess.run(["ab", "-q", "-k", "-t", str(int(seconds)), "-n", str(requests), "-c", str(concurrency),
                           "-p", str(body), "-T", "application/x-www-form-urlencoded",
                           "-H", "Origin: http://127.0.0.1:9", f"http://127.0.0.1:{port}/abonnement"],
                          capture_output=True, text=True, check=True)
    out = done.stdout

    def number(pattern):
        found = re.search(pattern, out)
        return float(found.group(1)) if found else 0.0

    complete, failed = int(number(r"Complete requests:\s+(\d+)")), int(number(r"Failed requests:\s+(\d+)"))
    non2xx = int(number(r"Non-2xx responses:\s+(\d+)"))
    return {"complete": complete, "ok": complete - failed - non2xx, "rate": number(r"Requests per second:\s+([\d.]+)"),
            "p50": number(r"\s50%\s+(\d+)"), "p99": number(r"\s99%\s+(\d+)")}


def run(name: str, environ: dict, args, smtp_port: int) -> list[str]:
    from engagement import make_engine
    from engagement.db import database_url, requests as pending, subscribers
    from engagement.store import import_subscribers, new_secret
    from publishing import load_settings
    from sqlalchemy import func, select

    work = Path(tempfile.mkdtemp(prefix=f"engagement-bench-{name}-"))
    port = free_port()
    conf = work / "benchconf.py"
    conf.write_text(SETTINGS.format(root=str(ROOT), private=str(work / "private"), url=f"http://127.0.0.1:{port}",
                                    smtp=smtp_port), encoding="utf-8")
    settings = load_settings(str(conf))
    engine = make_engine(database_url(settings, environ))
    tokens = [new_secret() for _ in range(args.requests)]
    import_subscribers(engine, [SimpleNamespace(email=f"lecteur{i}@exemple.fr", name="", tier="abonnes", token=t)
                                for i, t in enumerate(tokens)])
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "engagement.app:from_environment", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log",
                               "--log-level", "warning", "--app-dir", str(ROOT / "plugins")],
                              env={**os.environ, **environ, "NENUFAR_SETTINGS": str(conf),
                                   "NENUFAR_ENGAGEMENT_SECRET": "banc-d-essai"}, cwd=ROOT)
    lines = []
    try:
        wait_for(port)
        seconds, latencies, statuses = one_click(port, tokens, args.concurrency, args.seconds)
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(subscribers)
                                        .where(subscribers.c.status == "unsubscribed")).scalar()
        answered = statuses.get(200, 0)
        lines.append(f"| {name} | un clic | {len(latencies)} | {answered / seconds:,.0f} | "
                     f"{percentile(latencies, .5) * 1000:.1f} | {percentile(latencies, .99) * 1000:.1f} | "
                     f"{stored} = {answered} {'✓' if stored == answered else '✗ PERDU'} |")
        result = ab(port, work, args.requests // 4, args.concurrency, args.seconds)
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(pending)).scalar()
        # ab stops at its time limit with up to `concurrency` requests in flight: written, never acknowledged.
        verdict = ("✓" if rows == result["ok"] else f"✓ (+{rows - result['ok']} en vol à l’arrêt de ab)"
                   if 0 < rows - result["ok"] <= args.concurrency else "✗ PERDU")
        lines.append(f"| {name} | abonnement | {result['complete']} | {result['rate']:,.0f} | {result['p50']:.0f} | "
                     f"{result['p99']:.0f} | {rows} = {result['ok']} {verdict} |")
    finally:
        server.terminate()
        server.wait(30)
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000, help="one-click requests at most (a quarter for "
                                                                      "subscriptions)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30, help="time limit of each run")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if not shutil.which("ab"):
        raise SystemExit("ab is missing: apt-get install -y apache2-utils")
    smtp_port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = ["| base | requête | requêtes | par seconde | p50 (ms) | p99 (ms) | en base = acquittées |",
             "|---|---|---|---|---|---|---|"]
    try:
        wait_for(smtp_port)
        if args.only in (None, "sqlite"):
            lines += run("SQLite", {}, args, smtp_port)
        if args.only in (None, "postgresql"):
            try:
                with postgres_server(durable=True) as server:
                    lines += run("PostgreSQL", {"NENUFAR_DATABASE_URL": fresh_postgres_database(server)}, args,
                                 smtp_port)
            except Unavailable as why:
                lines.append(f"| PostgreSQL | — | — | — | — | — | indisponible : {why} |")
    finally:
        sink.terminate()
        sink.wait()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

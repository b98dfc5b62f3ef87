"""Sending benchmark: N subscribers to a local SMTP server (aiosmtpd, its own process).

python bench/send_bench.py --count 10000
Prints messages per second for the whole send (journal, personalisation, SMTP),
the figure recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "tests")]

from conftest import free_port, port_open, site_settings  # noqa: E402
from newsletter import send as sending  # noqa: E402
from publishing.build import build  # noqa: E402


def wait_for_port(port: int, timeout: float = 20) -> None:
    if not port_open(port, timeout):
        raise SystemExit("the SMTP server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="send-bench-"))
    result = build(site_settings(work, ROOT / "content", SITEURL="https://nenufar.example",
                                 NEWSLETTER_EDITION="latest"))
    editions = list(result.editions)
    tiers = [e.tier for e in editions]
    csv_path = work / "abonnes.csv"
    csv_path.write_text("email,name,tier,token\n" + "".join(
        f"lecteur{i}@exemple.fr,Lectrice {i},{tiers[i % len(tiers)]},jeton{i:06d}\n" for i in range(args.count)),
        encoding="utf-8")
    people, problems = sending.read_subscribers(csv_path, set(tiers))
    assert not problems and len(people) == args.count
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        journal = sending.Journal(work / "envois.sqlite3")
        started = time.perf_counter()
        report = sending.send_issue(editions, people, journal,
                                    sending.Mailer(sending.SmtpConfig("127.0.0.1", port, "none", None, None)),
                                    issue=editions[0].issue, sender="Claire Morvan <claire@nenufar.example>",
                                    unsubscribed=set())
        seconds = time.perf_counter() - started
        journal.close()
    finally:
        server.terminate()
        server.wait()
    assert len(report.sent) == args.count, report
    size = sum(len(sending.wire_template(e)) for e in editions) / len(editions) / 1024
    print(f"{args.count} messages ({size:.1f} KB each on average) in {seconds:.1f} s: "
          f"{args.count / seconds:.0f} messages per second")


if __name__ == "__main__":
    main()

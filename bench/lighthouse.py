"""Lighthouse on the demo site's pages, served on 127.0.0.1 (offline is fine).

npm ci --prefix bench && python bench/lighthouse.py
Prints the four category scores per page; the figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "tests")]

from conftest import CHROMIUM, CHROMIUM_ARGS, free_port, serve_folder, site_settings  # noqa: E402
from publishing.build import build  # noqa: E402

PAGES = ["/l-avenir-est-aux-communautes/", "/", "/lettre/"]


def main() -> None:
    lighthouse = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
    if not lighthouse.exists():
        sys.exit("npm ci --prefix bench first")
    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = site_settings(work, ROOT / "content", SITEURL=url, FEED_DOMAIN=url, PAGEFIND=True)
    build(settings)
    server = serve_folder(Path(settings["OUTPUT_PATH"]), port)
    env = dict(os.environ, CHROME_PATH=str(CHROMIUM))
    try:
        for page in PAGES:
            report = work / "report.json"
            subprocess.run(
                [str(lighthouse), url + page, "--quiet", "--output=json", f"--output-path={report}",
                 f"--chrome-flags={' '.join(CHROMIUM_ARGS)}"],
                check=True, env=env,
            )
            data = json.loads(report.read_text(encoding="utf-8"))
            scores = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
            metrics = {k: data["audits"][k]["displayValue"] for k in
                       ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                        "cumulative-layout-shift")}
            print(page, json.dumps(scores), json.dumps(metrics, ensure_ascii=False))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()

"""One timed build in a fresh interpreter; prints JSON. Used by build_bench.py."""

from __future__ import annotations

import argparse
import json
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


def project(content: Path, output: Path, cache: Path, pagefind: bool) -> None:
    from publishing.build import build, load_settings

    settings = load_settings(str(ROOT / "pelicanconf.py"), {
        "PATH": str(content), "OUTPUT_PATH": str(output), "CACHE_PATH": str(cache),
        "PAGEFIND": pagefind,
    })
    build(settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["stock", "project"])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--pagefind", action="store_true")
    args = parser.parse_args()
    import logging
    logging.disable(logging.WARNING)  # stock Pelican warns about the missing theme bits
    started, cpu = time.perf_counter(), time.process_time()
    if args.kind == "stock":
        stock(args.content, args.output, args.cache)
    else:
        project(args.content, args.output, args.cache, args.pagefind)
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}))

"""Build benchmark: the project's plugins against stock Pelican, same content.

python bench/build_bench.py --count 1000 --repeat 3

For each of stock Pelican (default theme, no plugins) and the project
(its theme and plugins, Pagefind off so both do the same work), it times a
full build from an empty cache, then a rebuild after one article changed with
the content cache on. Each build runs in a fresh interpreter. Pagefind's
indexing is timed separately (wall clock, as it runs in a subprocess). The
comparisons use the build process's CPU time, steadier than the wall clock on
a shared machine; medians are printed, in milliseconds per article.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402


def timed(kind: str, work: Path, pagefind: bool = False, clock: str = "cpu") -> float:
    command = [sys.executable, str(HERE / "run_build.py"), kind, "--content", str(work / "content"),
               "--output", str(work / f"out-{kind}"), "--cache", str(work / f"cache-{kind}")]
    if pagefind:
        command.append("--pagefind")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])[clock]


def touch_one(work: Path, round_: int) -> None:
    path = sorted((work / "content" / "articles").glob("*.md"))[len(round_ * "x") % 7]
    path.write_text(path.read_text(encoding="utf-8") + f"\nUne phrase ajoutée, tour {round_}.\n",
                    encoding="utf-8")


def measure(kind: str, work: Path, repeat: int) -> dict:
    full, rebuild = [], []
    for round_ in range(repeat):
        shutil.rmtree(work / f"cache-{kind}", ignore_errors=True)
        full.append(timed(kind, work))
        touch_one(work, round_)
        rebuild.append(timed(kind, work))
    return {"full": statistics.median(full), "rebuild": statistics.median(rebuild)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "corpus")
    args = parser.parse_args()
    generate(args.count, args.work / "content")
    stock = measure("stock", args.work, args.repeat)
    project = measure("project", args.work, args.repeat)
    shutil.rmtree(args.work / "cache-project", ignore_errors=True)
    with_index = timed("project", args.work, pagefind=True, clock="seconds")
    n = args.count
    print(f"{n} articles, median of {args.repeat} runs, CPU time of the build process")
    print(f"stock Pelican  full {stock['full'] * 1000 / n:6.2f} ms/article   "
          f"one-file rebuild {stock['rebuild'] * 1000 / n:6.2f} ms/article")
    print(f"Nénufar        full {project['full'] * 1000 / n:6.2f} ms/article   "
          f"one-file rebuild {project['rebuild'] * 1000 / n:6.2f} ms/article")
    print(f"overhead of the plugins and theme: {project['full'] / stock['full'] - 1:+.1%}")
    print(f"one-file rebuild / full build: {project['rebuild'] / project['full']:.2f}")
    print(f"full build with the Pagefind index: {with_index:.1f} s "
          f"(index alone ≈ {with_index - project['full']:.1f} s)")


if __name__ == "__main__":
    main()

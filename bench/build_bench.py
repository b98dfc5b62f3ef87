"""Build benchmark: the project's plugins against stock Pelican, same content.

python bench/build_bench.py --count 1000 --repeat 7

For each of stock Pelican (default theme, no plugins) and the project
(its theme and plugins, Pagefind off so both do the same work), it times a
full build from an empty cache, then a rebuild after one article changed with
the content cache on. Each build runs in a fresh interpreter. Pagefind's
indexing is timed separately (wall clock, as it runs in a subprocess). The
comparisons use the build process's CPU time, steadier than the wall clock on
a shared machine; stock and project alternate round by round and the
medians of the paired ratios are printed.
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
KINDS = ("stock", "project")
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


def measure(work: Path, repeat: int) -> dict:
    """Stock and project builds alternate within each round (in turn going first), so a
    slow spell of the shared machine weighs on both sides alike; ratios are taken round
    by round."""
    runs = {kind: {"full": [], "rebuild": []} for kind in KINDS}
    for round_ in range(repeat):
        order = KINDS if round_ % 2 == 0 else KINDS[::-1]  # neither side always goes first
        for kind in order:
            shutil.rmtree(work / f"cache-{kind}", ignore_errors=True)
            runs[kind]["full"].append(timed(kind, work))
        touch_one(work, round_)
        for kind in order:
            runs[kind]["rebuild"].append(timed(kind, work))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / "corpus")
    args = parser.parse_args()
    generate(args.count, args.work / "content")
    runs = measure(args.work, args.repeat)
    stock, project = runs["stock"], runs["project"]
    shutil.rmtree(args.work / "cache-project", ignore_errors=True)
    with_index = timed("project", args.work, pagefind=True, clock="seconds")
    n = args.count
    med = statistics.median
    print(f"{n} articles, {args.repeat} paired rounds, CPU time of the build process (median)")
    for name, kind in (("stock Pelican", stock), ("Nénufar", project)):
        print(f"{name:<14} full {med(kind['full']) * 1000 / n:6.2f} ms/article   "
              f"one-file rebuild {med(kind['rebuild']) * 1000 / n:6.2f} ms/article")
    overhead = [p / s - 1 for p, s in zip(project["full"], stock["full"])]
    ratio = [r / f for r, f in zip(project["rebuild"], project["full"])]
    print(f"overhead of the plugins and theme: {med(overhead):+.1%} "
          f"(rounds: {', '.join(f'{o:+.0%}' for o in overhead)})")
    print(f"one-file rebuild / full build: {med(ratio):.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratio)})")
    print(f"full build with the Pagefind index: {with_index:.1f} s "
          f"(index alone ≈ {with_index - med(project['full']):.1f} s)")


if __name__ == "__main__":
    main()

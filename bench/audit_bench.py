"""Leak audit benchmark: 1,000 articles of which one in ten has reserved parts.

python bench/audit_bench.py --prepare bench/corpus-audit   # once: corpus and its built site
python bench/audit_bench.py bench/corpus-audit             # one audit, in this fresh process

The second form is what `invoke audit` does after a build: read the sources
again, build the probes, scan every file of the output. Time it as a whole
process (with /usr/bin/time, hyperfine or any whole-process timer); the JSON
line it prints splits the time between probes and scan, wall clock.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(HERE))


def prepare(work: Path, count: int) -> None:
    from generate import generate

    generate(count, work / "content", gated_every=10)
    subprocess.run([sys.executable, str(HERE / "run_build.py"), "project", "--content", str(work / "content"),
                    "--output", str(work / "output"), "--cache", str(work / "cache"), "--pagefind"], check=True)


def run(work: Path) -> dict:
    from publishing.build import load_settings
    from tiers.audit import probes_for, scan

    settings = load_settings(str(ROOT / "pelicanconf.py"), {"PATH": str(work / "content")})
    started = time.perf_counter()
    probes = probes_for(settings)
    built = time.perf_counter()
    leaks = scan(work / "output", probes)
    done = time.perf_counter()
    files = sum(1 for p in (work / "output").rglob("*") if p.is_file())
    return {"probes": round(built - started, 3), "scan": round(done - built, 3), "total": round(done - started, 3),
            "runs": len(probes.phrases), "found_public": sum(probes.verdicts.values()), "files": files,
            "leaks": len(leaks)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("work", type=Path)
    parser.add_argument("--prepare", action="store_true", help="write the corpus and build it first")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.work, args.count)
    print(json.dumps(run(args.work)))

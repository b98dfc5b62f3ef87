"""The fast build writes the same bytes as the plainest one.

The reference is a serial build with every cache off (BUILD_PROCESSES = 1, no
content cache, no previous output): each file read and each page rendered in
this process, from nothing, and every text converted by Python-Markdown itself
(the plain fast path of tiers.plain turned off). The build as the author runs it (sources read in a
pool of worker processes, reader cache, unchanged pages linked from the previous
build) must give the same output tree, byte for byte, cold and warm, on the
demo site and on a larger corpus with tiers, comments, echoes and typography.
Pagefind is on: its index is compared too (it is deterministic). No file is
exempt: nothing in the output embeds the time of the build.

The tier keys are unset: with keys, sealed parts are encrypted with random
nonces, so two builds differ by design.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, python_markdown_only, site_settings, tree
from publishing.build import build

sys.path.insert(0, str(ROOT / "bench"))
from generate import article  # noqa: E402

COMMENT = """Author: Lectrice {n}
Date: 2026-0{month}-1{n} 10:00

Merci pour ce texte : j'y reviendrai... « Vraiment » ?
"""


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    for key in ("NENUFAR_KEY_ABONNES", "NENUFAR_KEY_CERCLE"):
        monkeypatch.delenv(key, raising=False)


def assert_same(built: Path, reference: Path) -> None:
    got, want = tree(built), tree(reference)
    assert sorted(got) == sorted(want)
    different = [name for name in want if got[name] != want[name]]
    assert different == []


def corpus(folder: Path, count: int = 60) -> Path:
    """The demo's content (newsletter, pages, comments, echoes) plus generated articles,
    one in five with an abonnés and a Cercle part, some with comments."""
    import random

    content = folder / "content"
    shutil.copytree(ROOT / "content", content)
    rng = random.Random(11)
    for number in range(1, count + 1):
        text = article(number, rng, sections=4, gated=number % 5 == 0)
        (content / "articles" / f"banc-{number:03d}.md").write_text(text, encoding="utf-8")
        if number % 7 == 0:
            slug = f"article-de-banc-d-essai-numero-{number}"
            for n in (1, 2):
                path = content / "conversations" / slug / f"lectrice-{n}.md"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(COMMENT.format(n=n, month=1 + number % 9), encoding="utf-8")
    return content


def reference_build(root: Path, content: Path, **extra) -> Path:
    settings = site_settings(root, content, PAGEFIND=True, BUILD_PROCESSES=1,
                             CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False, **extra)
    with python_markdown_only():
        build(settings)
    return Path(settings["OUTPUT_PATH"])


def fast_settings(root: Path, content: Path, **extra) -> dict:
    return site_settings(root, content, PAGEFIND=True, BUILD_PROCESSES=2,
                         CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True, **extra)


# "parts": the corpus's search index in parts (PAGEFIND_PART_PAGES), as a large site's
@pytest.mark.parametrize("source", ["demo", "corpus", "parts"])
def test_fast_build_is_byte_identical_to_a_serial_uncached_one(tmp_path, source):
    content = ROOT / "content" if source == "demo" else corpus(tmp_path)
    extra = {"PAGEFIND_PART_PAGES": 20} if source == "parts" else {}
    reference = reference_build(tmp_path / "reference", content, **extra)
    if source == "parts":
        assert (reference / "pagefind" / "part-2" / "fragment").is_dir()
    fast = fast_settings(tmp_path / "fast", content, **extra)
    build(fast)  # cold: the pool reads every file
    assert_same(Path(fast["OUTPUT_PATH"]), reference)
    build(fast)  # warm: every read from the cache, every page linked from the previous build
    assert_same(Path(fast["OUTPUT_PATH"]), reference)


def test_one_changed_article_rebuilds_to_the_same_bytes(tmp_path):
    content = corpus(tmp_path)
    fast = fast_settings(tmp_path / "fast", content)
    build(fast)
    changed = content / "articles" / "banc-010.md"  # a gated one, with neighbours and a category
    changed.write_text(changed.read_text(encoding="utf-8").replace("Partie 1", "Partie première", 1)
                       + "\nUne phrase ajoutée : « enfin » !\n", encoding="utf-8")
    build(fast)
    assert_same(Path(fast["OUTPUT_PATH"]), reference_build(tmp_path / "reference", content))


def test_a_problem_found_by_a_worker_fails_the_build_as_in_process(tmp_path):
    """The workers' log records are logged again here: build.py's collector sees them."""
    from publishing.build import BuildError

    content = corpus(tmp_path, count=20)
    bad = content / "articles" / "banc-007.md"
    bad.write_text(bad.read_text(encoding="utf-8") + "\n<!-- tier: vip -->\n\nLa suite.\n", encoding="utf-8")
    messages = []
    for processes in (2, 1):
        settings = site_settings(tmp_path / f"p{processes}", content, BUILD_PROCESSES=processes)
        with pytest.raises(BuildError) as failure:
            build(settings)
        messages.append([str(p) for p in failure.value.problems])
    assert messages[0] == messages[1]
    assert any("content/articles/banc-007.md" in m and "palier inconnu « vip »" in m for m in messages[0])


def test_the_audit_beside_the_build_finds_what_the_audit_in_process_finds(tmp_path, monkeypatch):
    """A split that forgot its dividers publishes the reserved parts everywhere, Pagefind's
    index included: the audit run in its own process, scanning while Pagefind still
    writes, names the same files as the audit run in this process, after everything."""
    import tiers.reader
    from publishing.build import BuildError
    from tiers.split import SourcePart

    def careless_cut(text, ladder, start, start_line=None, fences=True):
        kept = "\n".join(line for line in text.split("\n") if "tier:" not in line)
        return [SourcePart(ladder.public.id, kept, 1)]

    monkeypatch.setattr(tiers.reader, "cut", careless_cut)
    content = corpus(tmp_path, count=20)
    found = []
    for processes, part_pages in ((1, None), (2, None), (2, 8)):
        settings = site_settings(tmp_path / f"p{processes}-{part_pages}", content, PAGEFIND=True,
                                 BUILD_PROCESSES=processes, PAGEFIND_PART_PAGES=part_pages)
        with pytest.raises(BuildError) as failure:
            build(settings)
        found.append([str(p) for p in failure.value.problems])
    assert found[0] == found[1]
    assert any(line.startswith("pagefind/fragment/") for line in found[0])
    # The index in parts: each part's records are scanned, and the pages named alike.
    assert any(line.startswith("pagefind/part-") for line in found[2])
    assert [line for line in found[2] if not line.startswith("pagefind/")] == \
        [line for line in found[0] if not line.startswith("pagefind/")]
    assert any(line.startswith("banc-") or "article-de-banc-d-essai-numero-5/index.html" in line for line in found[0])


def test_a_page_that_fails_in_the_writing_process_fails_the_build_as_in_process(tmp_path):
    """The articles' pages are written by two processes, every other one by a forked
    process: a page that cannot be rendered fails the build with the same cause,
    whichever process had it (two neighbours in the writing order: one each)."""
    from publishing.build import BuildError

    for number in (3, 4):
        content = corpus(tmp_path / f"n{number}", count=20)
        bad = content / "articles" / f"banc-{number:03d}.md"
        bad.write_text(bad.read_text(encoding="utf-8").replace("Summary:", "Template: introuvable\nSummary:", 1),
                       encoding="utf-8")
        messages = []
        for processes in (2, 1):
            settings = site_settings(tmp_path / f"n{number}" / f"p{processes}", content, BUILD_PROCESSES=processes)
            with pytest.raises(BuildError) as failure:
                build(settings)
            messages.append([str(p) for p in failure.value.problems])
            assert not Path(settings["OUTPUT_PATH"]).exists()
        assert messages[0] == messages[1]
        assert "introuvable" in messages[0][0]

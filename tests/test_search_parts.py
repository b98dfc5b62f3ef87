"""A large site's search index in parts (PAGEFIND_PART_PAGES), as `invoke build` makes
it with Pagefind's command, and as a reader searches it in Chromium.

The guard does not trust the dealing: the same site is also indexed whole, and
- each page the whole index holds is in exactly one part, and no part holds another;
- the search page finds the same pages, for a word every generated article holds,
  a word of the demo's texts, and a word no page holds;
- the parts other than the first hold an index alone (the first part's scripts read
  them), and parts.json names each one;
- a setting that cannot be is refused with its name.
"""

from __future__ import annotations

import gzip
import shutil
import json
from pathlib import Path

import pytest

from conftest import free_port, serve_folder, site_settings
from publishing.build import BuildError, build, load_settings
from search import parts
from test_build_identity import corpus, no_keys  # noqa: F401 (no_keys: autouse, no tier keys)
from test_live_search import found

ROOT = Path(__file__).resolve().parent.parent


def records(bundle: Path) -> list[str]:
    """The address of each page a bundle's folder indexes (its fragments, read back)."""
    urls = []
    for fragment in sorted((bundle / "fragment").iterdir()):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        urls.append(json.loads(data[len(b"pagefind_dcd"):])["url"])
    return urls


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The same content built with one index and in parts, each served on its port."""
    root = tmp_path_factory.mktemp("parts")
    content = corpus(root, count=12)
    made, servers = {}, []
    for name, part_pages in (("whole", None), ("parts", 8)):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = site_settings(root / name, content, SITEURL=url, PAGEFIND=True, PAGEFIND_PART_PAGES=part_pages)
        build(settings)
        output = Path(settings["OUTPUT_PATH"])
        servers.append(serve_folder(output, port))
        made[name] = (output, url)
    yield made
    for server in servers:
        server.shutdown()


def test_each_indexed_page_is_in_exactly_one_part(sites):
    whole, _ = sites["whole"]
    split, _ = sites["parts"]
    assert json.loads((whole / "pagefind" / "parts.json").read_text(encoding="utf-8")) == {"parts": []}
    listed = json.loads((split / "pagefind" / "parts.json").read_text(encoding="utf-8"))["parts"]
    folders = [split / "pagefind", *(split / "pagefind" / name for name in listed)]
    assert len(folders) == 3
    held = [records(folder) for folder in folders]
    assert all(held), "a part with no page"
    everything = [url for part in held for url in part]
    assert len(everything) == len(set(everything))  # none in two parts
    assert sorted(everything) == sorted(records(whole / "pagefind"))
    for folder in folders[1:]:
        names = {item.name for item in folder.iterdir()}
        assert {"pagefind-entry.json", "fragment", "index"} <= names
        assert not [name for name in names if name.endswith((".js", ".css")) or name.startswith("wasm.")]


@pytest.mark.browser
@pytest.mark.parametrize("word", ["banc", "communauté", "zzzintrouvable"])
def test_the_search_page_finds_the_same_pages_in_parts(sites, browser, word):
    _, whole_url = sites["whole"]
    _, parts_url = sites["parts"]
    expected = found(browser, whole_url, word)
    got = found(browser, parts_url, word)
    assert sorted(got) == sorted(expected)  # the order may shift: each part ranks with its own figures
    if word == "banc":
        assert len(got) == 12  # every generated article, from several parts


def test_a_part_size_that_cannot_be_is_refused(tmp_path):
    with pytest.raises(BuildError) as refused:
        load_settings(str(ROOT / "pelicanconf.py"), {"PAGEFIND_PART_PAGES": 0})
    assert "PAGEFIND_PART_PAGES" in str(refused.value.problems)
    with pytest.raises(BuildError) as refused:
        load_settings(str(ROOT / "pelicanconf.py"), {"PAGEFIND_PART_PAGES": "250"})
    assert "PAGEFIND_PART_PAGES doit être un nombre entier" in str(refused.value.problems)


def test_a_page_marks_its_body_only_in_a_tag():
    assert parts.is_body(b'<main class="x" data-pagefind-body>texte</main>')
    assert parts.is_body(b'<MAIN DATA-PAGEFIND-BODY="">texte</MAIN>')
    assert not parts.is_body(b"<p>On \xc3\xa9crit data-pagefind-body dans le texte.</p>")
    assert not parts.is_body(b"<p>&lt;main data-pagefind-body&gt;</p>")
    assert not parts.is_body(b'<main data-pagefind-body-x="1">texte</main>')


@pytest.mark.parametrize("part_pages", [None, 3])
def test_the_live_index_gives_pages_in_pagefinds_order(tmp_path, part_pages):
    """Pagefind's records follow the order in which it reads the pages (depth first, in
    the order of each folder's entries): the service is given them in that order, so
    that its bundle is byte for byte the command's, on folders nested and interleaved."""
    from search.index import EXCLUDED, index_site
    from search.live import LiveIndex
    from test_live_search_property import bundle_files, page

    site = tmp_path / "site"
    for number, path in enumerate(["index.html", "a/index.html", "a/b/index.html", "a/b/c/d.html", "a/z.html",
                                   "b.html", "m/index.html", "m/n/index.html", "tag/x/index.html",
                                   "tag/y/index.html", "page/2/index.html", "z/index.html"]):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(page(f"Page {number}", f"mot{number} étang lecture"), encoding="utf-8")
    index = LiveIndex({"exclude_selectors": EXCLUDED}, part_pages)
    try:
        index.update_in_place(site)
    finally:
        index.close()
    reference = tmp_path / "reference"
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("pagefind"))
    assert index_site(str(reference), part_pages) is None
    assert bundle_files(site) == bundle_files(reference)



@pytest.mark.browser
@pytest.mark.parametrize("name", ["whole", "parts"])
def test_an_index_replaced_as_the_page_loads_it_is_loaded_again(sites, browser, name):
    """A bundle swapped while the search page loads it (livereload puts each new one in
    place by renaming its folder; a deploy may too): a file it names is gone. The page
    loads the index anew, once, instead of saying search is unavailable."""
    _, url = sites[name]
    entry = "**/part-2/pagefind-entry.json*" if name == "parts" else "**/pagefind/pagefind-entry.json*"
    context = browser.new_context()
    failed = []

    def once(route):
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.fulfill(status=404, body="introuvable")

    try:
        context.route(entry, once)
        page = context.new_page()
        page.goto(f"{url}/recherche/?q=banc")
        page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('pour')")
        assert failed, "the index was not asked for"
        assert len(page.locator(".search-results h2").all_inner_texts()) == 12
    finally:
        context.close()


def test_a_tree_left_by_a_killed_build_is_swept_and_a_running_ones_is_not(tmp_path):
    """Pagefind reads each part from a tree of links beside the site; a build killed
    meanwhile leaves its tree. The next build removes those over an hour old."""
    import os
    import time

    from search.index import index_site
    from test_live_search_property import page

    site = tmp_path / "site"
    for number in range(6):
        path = site / f"texte-{number}" / "index.html"
        path.parent.mkdir(parents=True)
        path.write_text(page(f"Texte {number}", f"mot{number} étang"), encoding="utf-8")
    old, recent = tmp_path / ".pagefind-part-ancien", tmp_path / ".pagefind-part-recent"
    for tree in (old, recent):
        (tree / "texte-0").mkdir(parents=True)
        (tree / "texte-0" / "index.html").write_text("<p>reste</p>", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert index_site(str(site), 2) is None
    assert json.loads((site / "pagefind" / "parts.json").read_text(encoding="utf-8"))["parts"]
    assert not old.exists() and recent.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [recent.name]

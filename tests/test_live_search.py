"""livereload's search index (PAGEFIND_LIVE): a Pagefind service kept by the
process, given only the pages that changed, and searched in Chromium as a
reader searches the site: what was just saved is found before the full build,
what was removed is no longer found, a failed build takes the quick words back
out, a stopped service is started again, and the full build's audit scans the
bundle the service wrote. Each with one index and with an index in parts
(PAGEFIND_PART_PAGES), where the page saved is in one part and the others are not
written again.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import free_port, serve_folder, site_settings
from publishing.build import BuildError
from publishing.quick import LiveSite
from search.live import close_all, running
from search.service import Service
from test_build_identity import corpus, no_keys  # noqa: F401 (no_keys: autouse, no tier keys)
from test_quick_rebuild import edit, reserved_sentence

pytestmark = pytest.mark.browser


@pytest.fixture(params=[None, 8], ids=["un-index", "en-parties"])
def live(tmp_path, request):
    content = corpus(tmp_path, count=12)
    source = content / "articles" / "banc-004.md"  # not gated: the end of its text is public
    source.write_text(source.read_text(encoding="utf-8") + "\nUn ornithorynque passe par là.\n", encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    site = LiveSite(site_settings(tmp_path / "live", content, SITEURL=url, PAGEFIND=True, PAGEFIND_LIVE=True,
                                  PAGEFIND_PART_PAGES=request.param, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True))
    site.build()
    output = Path(site.settings["OUTPUT_PATH"])
    listed = json.loads((output / "pagefind" / "parts.json").read_text(encoding="utf-8"))["parts"]
    assert len(listed) == (0 if request.param is None else 2)  # the first part, and two others
    server = serve_folder(output, port)  # the folder is renamed at each build: served by its name
    yield site, content, output, url
    server.shutdown()
    close_all()


def found(browser, url: str, word: str) -> list[str]:
    """The titles the site's search page lists for `word` (Pagefind also lists the pages
    holding its longest known beginning, when no page holds it whole)."""
    page = browser.new_page()
    try:
        page.goto(f"{url}/recherche/?q={quote(word)}")
        page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('pour')")
        status = page.locator("[data-search-status]").inner_text()
        assert "indisponible" not in status, status
        return page.locator(".search-results h2").all_inner_texts()
    finally:
        page.close()


THREE, FOUR = "Article de banc d’essai numéro 3", "Article de banc d’essai numéro 4"  # typography's apostrophe


def assert_no_unused_record(output: Path) -> None:
    """One fragment a page indexed, in each part: none left over from a replaced or
    removed record (the audit scans them all, and one could hold text since made reserved)."""
    bundle = output / "pagefind"
    listed = json.loads((bundle / "parts.json").read_text(encoding="utf-8"))["parts"]
    for part in [bundle, *(bundle / name for name in listed)]:
        entry = json.loads((part / "pagefind-entry.json").read_text(encoding="utf-8"))
        indexed = sum(language["page_count"] for language in entry["languages"].values())
        assert len(list((part / "fragment").iterdir())) == indexed
        assert len(list(part.glob("*.pf_meta"))) == len(entry["languages"])


def test_a_saved_word_is_found_before_the_full_build_and_a_removed_one_is_not(live, browser):
    site, content, output, url = live
    assert FOUR in found(browser, url, "ornithorynque")
    assert THREE not in found(browser, url, "zorglubesque")

    source = content / "articles" / "banc-003.md"
    edit(source, lambda t: t + "\nUn mot forgé pour l’occasion\u00a0: zorglubesque.\n")
    quick = site.quick([source])
    assert quick is not None
    assert site.placed() == []
    # Only the page that changed was given to Pagefind again.
    assert running(content).updated == 1
    assert found(browser, url, "zorglubesque") == [THREE]
    assert_no_unused_record(output)  # the replaced record's fragment is gone from the bundle

    site.build()  # the full build confirms it
    assert found(browser, url, "zorglubesque") == [THREE]

    (content / "articles" / "banc-004.md").unlink()
    (content / "articles" / "nouveau.md").write_text(
        "Title: Un texte tout neuf\nDate: 2026-11-01 09:00\nCategory: Essais\n\n"
        "Il parle d’un hippocampe qui apprend à écrire.\n", encoding="utf-8")
    site.build()
    assert FOUR not in found(browser, url, "ornithorynque")
    assert "Un texte tout neuf" in found(browser, url, "hippocampe")
    assert_no_unused_record(output)


def test_a_new_title_gives_its_page_again_not_its_neighbours(live, browser):
    """The neighbours' pages show the new title in their pager, after their body: Pagefind
    does not read it there, so their records stay as they are, not given again (a part
    each, written again for nothing, made a title's update twice as long)."""
    site, content, output, url = live
    source = content / "articles" / "banc-003.md"
    edit(source, lambda t: t.replace("Title: Article de banc d'essai numéro 3\n",
                                     "Title: Le cachalot des grands fonds\nSlug: article-de-banc-d-essai-numero-3\n"))
    quick = site.quick([source])
    assert quick is not None
    neighbours = [f"article-de-banc-d-essai-numero-{n}/index.html" for n in (2, 4)]
    for name in neighbours:  # they did change: their pager names the new title
        assert name in quick.pages
        assert "Le cachalot des grands fonds" in (output / name).read_text(encoding="utf-8")
    assert site.placed() == []
    given = running(content).given
    assert "article-de-banc-d-essai-numero-3/index.html" in given
    assert not set(neighbours) & set(given)
    assert found(browser, url, "cachalot") == ["Le cachalot des grands fonds"]
    assert FOUR in found(browser, url, "ornithorynque")  # a neighbour's record, as it was
    assert_no_unused_record(output)


def test_a_failed_build_takes_the_quick_words_back_out(live, browser):
    site, content, output, url = live
    source = content / "articles" / "banc-003.md"
    edit(source, lambda t: t + "\nUn mot forgé pour l’occasion\u00a0: zorglubesque.\n")
    assert site.quick([source]) is not None
    assert site.placed() == []
    assert found(browser, url, "zorglubesque") == [THREE]
    edit(content / "articles" / "banc-009.md", lambda t: t + "\n<!-- tier: vip -->\n\nLa suite.\n")
    with pytest.raises(BuildError):
        site.build()
    assert THREE not in found(browser, url, "zorglubesque")  # the page is back as it was, the index too
    assert FOUR in found(browser, url, "ornithorynque")


def test_a_stopped_service_is_started_again(live, browser):
    site, content, output, url = live
    index = running(content)
    index.service._process.kill()
    source = content / "articles" / "banc-003.md"
    edit(source, lambda t: t + "\nUn mot forgé pour l’occasion\u00a0: zorglubesque.\n")
    assert site.quick([source]) is not None
    assert site.placed() == []  # nothing to say: a new service read the whole site
    assert found(browser, url, "zorglubesque") == [THREE]


def test_the_full_builds_audit_scans_the_bundle_the_service_wrote(live, monkeypatch):
    site, content, output, url = live
    sentence = reserved_sentence(content / "articles" / "banc-010.md")
    write = Service.write

    def leaky(self, folder, index=None):  # a Pagefind that indexed what it was told to ignore
        write(self, folder, index)
        fragment = sorted((Path(folder) / "fragment").iterdir())[0]  # one the index uses
        fragment.unlink()  # it may be a link to the public bundle's file
        fragment.write_bytes(gzip.compress(b"pagefind_dcd" + json.dumps({"content": sentence}).encode()))
        leaked.append(fragment.name)

    leaked: list[str] = []

    monkeypatch.setattr(Service, "write", leaky)
    edit(content / "articles" / "banc-003.md", lambda t: t + "\nUne phrase de plus.\n")
    with pytest.raises(BuildError) as refused:
        site.build()
    assert leaked and any(leaked[-1] in str(problem) for problem in refused.value.problems)

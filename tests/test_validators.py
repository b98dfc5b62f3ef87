"""The built demo site passes real checkers: Nu Html Checker and axe-core in Chromium."""

import json
import shutil
import subprocess

import pytest

from conftest import node_tool

PAGES = {
    "accueil": "/",
    "article": "/l-avenir-est-aux-communautes/",
    "archive de la lettre": "/lettre/",
    "recherche": "/recherche/",
}


def vnu_errors(folder) -> list[str]:
    """Errors of the Nu Html Checker over every HTML file of `folder`."""
    if shutil.which("java") is None:
        pytest.skip("java is not installed (invoke test installs it as root)")
    jar = node_tool("vnu-jar", "build", "dist", "vnu.jar")
    done = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--skip-non-html", "--also-check-css",
         "--format", "json", str(folder)],
        capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: errors found, reported below
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [f"{m.get('url', '').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m.get("type") == "error"]


def axe_result(page) -> dict:
    page.add_script_tag(path=str(node_tool("axe-core", "axe.min.js")))
    return page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")


def violations(result: dict) -> list[str]:
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} : {v['nodes'][0]['target']})"
            for v in result["violations"]]


@pytest.mark.validator
def test_nu_html_checker_finds_no_error(demo_site):
    assert vnu_errors(demo_site.output) == []


@pytest.mark.validator
@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violation(demo_site, browser, name, scheme):
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(demo_site.url + PAGES[name], wait_until="load")
        assert page.evaluate("document.documentElement.lang") == "fr"
        if name == "recherche":  # audit the page with results showing too
            page.fill("#q", "communauté")
            page.wait_for_selector(".search-results li")
        result = axe_result(page)
    finally:
        page.close()
    assert violations(result) == []
    assert len(result["passes"]) > 20  # axe really ran


@pytest.mark.browser
def test_search_finds_french_words_by_stem(demo_site, browser):
    page = browser.new_page()
    try:
        page.goto(demo_site.url + "/recherche/")
        page.fill("#q", "rassemblements")  # plural: French stemming finds "rassemblement"
        page.wait_for_selector(".search-results li")
        titles = page.locator(".search-results h2").all_inner_texts()
        assert any("rassemblement" in t.lower() for t in titles), titles
        status = page.locator("[data-search-status]").inner_text()
        assert "résultat" in status
        # A shared link with ?q= runs the search on arrival.
        page.goto(demo_site.url + "/recherche/?q=nénuphars")
        page.wait_for_selector(".search-results li")
        assert page.locator(".search-results li mark").count() > 0
        # Heading permalinks ("#") are navigation, not text: they stay out of excerpts.
        excerpts = page.locator(".search-results li p").all_inner_texts()
        assert excerpts and not any("#" in e for e in excerpts), excerpts
        # Clean excerpts: never the title again, never a stray « ? » first, a cut said by « … ».
        for query in ("crainte", "rassemblement", "communauté", "lettre", "écoute", "cercle"):
            page.goto(demo_site.url + "/recherche/?q=" + query)
            page.wait_for_selector(".search-results li")
            for result in page.locator(".search-results li").all():
                title = result.locator("h2").inner_text().strip()
                excerpt = result.locator("p").inner_text().strip()
                assert not excerpt.startswith(title), (query, title, excerpt)
                assert excerpt[:1] not in "?!;:.,»)–—", (query, excerpt)
                assert excerpt[-1:] in ".!?…»)", (query, excerpt)
    finally:
        page.close()


def test_search_index_covers_articles_pages_and_letters(demo_site):
    entry = json.loads(demo_site.text("pagefind/pagefind-entry.json"))
    assert entry["languages"]["fr"]["page_count"] == 5 + 2 + 3  # articles, letters, pages: nothing else

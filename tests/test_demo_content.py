"""The demo content is what the issue promises, and typographically clean."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from french_typography import fix_html
from longform.reading import word_count

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n\n", 1)[1]


def test_five_long_form_articles():
    articles = sorted((CONTENT / "articles").glob("*.md"))
    assert len(articles) == 5
    for path in articles:
        assert word_count(body(path)) >= 1200, path.name


def test_two_newsletter_issues_and_three_pages():
    assert len(list((CONTENT / "newsletter").glob("*.md"))) == 2
    for slug in ("a-propos", "s-abonner", "mentions-legales"):
        assert (CONTENT / "pages" / f"{slug}.md").exists(), slug


def test_demo_builds_with_everything_published(demo_site):
    result = demo_site.result
    assert (result.articles, result.issues, result.pages, result.drafts) == (5, 2, 3, 0)
    assert result.warnings == ()


def test_tags_and_categories_are_french(demo_site):
    soup = demo_site.soup("rubriques/index.html")
    names = [a.get_text() for a in soup.select("main li a")]
    assert "Communautés" in names


def _visible_text_nodes(soup):
    for element in soup.find_all(string=True):
        if element.find_parent(["script", "style", "code", "pre", "kbd", "title"]) is None:
            yield str(element)


@pytest.mark.parametrize("path", [
    "index.html", "l-avenir-est-aux-communautes/index.html", "lettre/index.html",
    "lettre/1/index.html", "a-propos/index.html", "404.html", "recherche/index.html",
])
def test_built_pages_are_typographically_correct(demo_site, path):
    """Templates and content alike: the typography pass has nothing left to fix."""
    soup = BeautifulSoup(demo_site.text(path), "lxml")
    for text in _visible_text_nodes(soup):
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        assert fix_html(escaped) == escaped, repr(text)


def test_article_page_budget(demo_site):
    css = demo_site.file("theme/css/nenufar.css").stat().st_size
    for page in demo_site.output.glob("*/index.html"):
        if BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select_one("article.h-entry"):
            assert page.stat().st_size + css < 60 * 1024, page


def test_demo_builds_with_keys_and_seals_every_gated_part(tmp_path, monkeypatch):
    """The demo's own gated articles pass the leak audit once sealed, too."""
    from conftest import ROOT as REPO, site_settings
    from publishing.build import build

    monkeypatch.setenv("NENUFAR_KEY_ABONNES", "une clé de démonstration assez longue")
    monkeypatch.setenv("NENUFAR_KEY_CERCLE", "une autre clé de démonstration, pour le Cercle")
    settings = site_settings(tmp_path, REPO / "content")
    build(settings)
    page = BeautifulSoup((tmp_path / "output" / "donner-le-plus-a-ceux-qui-sont-les-plus-proches"
                          / "index.html").read_text(encoding="utf-8"), "lxml")
    gates = page.select(".tier-gate")
    assert [g["data-tier"] for g in gates] == ["abonnes", "cercle"]
    assert all(g.select_one(".tier-sealed") for g in gates)


def test_each_page_invites_to_subscribe_once_and_says_the_same_rhythm(demo_site):
    """A gated letter ends with its gate: no second « S’abonner » box after it."""
    for page in ("lettre/1/index.html", "lettre/2/index.html", "lettre/index.html",
                 "ecouter-avant-de-parler/index.html"):
        soup = demo_site.soup(page)
        boxes = soup.select("aside.box, section.tier-gate:not([hidden])")
        assert len(boxes) <= 1, (page, [b.get_text(" ", strip=True)[:60] for b in boxes])
    rhythm = "toutes les deux ou trois semaines"
    assert rhythm in demo_site.soup("lettre/index.html").select_one("aside.box").get_text().lower()
    assert rhythm in demo_site.soup("s-abonner/index.html").get_text().lower()

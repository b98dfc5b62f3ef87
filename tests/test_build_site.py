"""A small French site built with the project's settings, theme and plugins."""

import json
import re

import pytest
from lxml import etree

from sample import basic_site

N = "\u202f"
SLUG = "l-avenir-est-au-marketing-des-communautes"


@pytest.fixture
def site(build_site):
    return build_site(basic_site())


def test_french_html_and_dates(site):
    soup = site.soup(f"{SLUG}/index.html")
    assert soup.html["lang"] == "fr"
    published = soup.select_one("time.dt-published")
    assert published.get_text() == "22 novembre 2026"
    assert published["datetime"].startswith("2026-11-22T08:30:00+01:00")


def test_first_of_the_month_is_1er(site):
    soup = site.soup("lettre/1/index.html")
    assert soup.select_one("time").get_text() == "1er octobre 2026"
    assert soup.select_one("time sup").get_text() == "er"  # set as in print


def test_slug_is_transliterated_from_the_accented_title(site):
    assert site.file(f"{SLUG}/index.html").exists()
    assert site.file("parler-avec-plutot-que-parler-a/index.html").exists()


def test_typography_on_title_body_and_summary(site):
    soup = site.soup(f"{SLUG}/index.html")
    assert soup.h1.get_text() == "L’avenir est au marketing des communautés"
    body = soup.select_one(".e-content").get_text()
    assert f"12{N}000 abonnés… Vraiment{N}?" in body
    assert soup.find("meta", attrs={"name": "description"})["content"] == (
        f"Pourquoi viser la profondeur plutôt que l’audience{N}?"
    )
    # Code keeps its characters.
    assert soup.select_one("pre code").get_text().startswith('site:forum.exemple.fr "nénufar" ?')


def test_reading_time_toc_and_footnotes(site):
    soup = site.soup(f"{SLUG}/index.html")
    assert re.search(r"\d+\u00a0min de lecture", soup.select_one(".meta").get_text())
    toc = soup.select_one("nav.toc")
    assert toc is not None
    links = [a["href"] for a in toc.select("a")]
    assert links[:2] == ["#partie-numero-1", "#partie-numero-2"]
    for href in links:
        assert soup.find(id=href[1:]) is not None, href
    assert soup.select_one(".footnote li#fn\\:1") is not None
    # A short article gets no table of contents.
    assert site.soup("parler-avec-plutot-que-parler-a/index.html").select_one("nav.toc") is None


def test_series_navigation(site):
    soup = site.soup("parler-avec-plutot-que-parler-a/index.html")
    series = soup.select_one("nav.series")
    assert "Le marketing de la profondeur" in series.get_text()
    assert [li.get_text(strip=True) for li in series.select("li")] == [
        "L’avenir est au marketing des communautés",
        "Parler avec plutôt que parler à",
    ]
    assert series.select_one("[aria-current=page]").get_text() == "Parler avec plutôt que parler à"


def test_social_and_structured_data(site):
    soup = site.soup(f"{SLUG}/index.html")
    url = f"http://localhost:8000/{SLUG}/"
    assert soup.find("link", rel="canonical")["href"] == url
    assert soup.find("meta", property="og:url")["content"] == url
    assert soup.find("meta", property="og:type")["content"] == "article"
    assert soup.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "L’avenir est au marketing des communautés"
    assert data["datePublished"].startswith("2026-11-22")
    assert data["inLanguage"] == "fr"
    assert data["url"] == url


def _xml(site, path):
    return etree.fromstring(site.file(path).read_bytes())


def test_atom_and_rss_feeds_carry_the_full_public_text(site):
    atom = _xml(site, "feeds/tout.atom.xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", ns)
    assert len(entries) == 2
    content = entries[0].find("a:content", ns).text
    assert "Partie numéro 4" in content  # the whole body, not a summary
    rss = _xml(site, "feeds/tout.rss.xml")
    items = rss.findall("channel/item")
    assert len(items) == 2
    assert "Partie numéro 4" in items[0].find("description").text
    assert items[0].find("link").text == f"http://localhost:8000/{SLUG}/"


def test_sitemap_lists_public_pages_only(site):
    """The whole sitemap: every public page, and none that asks not to be indexed
    (404.html, recherche/, desabonnement/, avis/ are written, with noindex)."""
    for noindex in ("404.html", "recherche/index.html", "desabonnement/index.html", "avis/index.html"):
        assert site.file(noindex).exists(), noindex
    pages = [("", None), ("archives/", None), ("etiquette/communaute/", None), ("etiquette/conversation/", None),
             ("etiquette/profondeur/", None), ("etiquettes/", None), (f"{SLUG}/", "2026-11-22T08:30:00+01:00"),
             ("lettre/", None), ("lettre/1/", "2026-10-01T07:00:00+02:00"), ("lettre/2/", "2026-11-05T07:00:00+01:00"),
             ("parler-avec-plutot-que-parler-a/", "2026-11-01T08:30:00+01:00"), ("rubrique/communautes/", None),
             ("rubrique/conversation/", None), ("rubriques/", None), ("s-abonner/", None)]
    urls = "".join(f"<url><loc>http://localhost:8000/{path}</loc>{f'<lastmod>{stamp}</lastmod>' if stamp else ''}</url>\n"
                   for path, stamp in pages)
    assert site.text("sitemap.xml") == ('<?xml version="1.0" encoding="utf-8"?>\n'
                                        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                        f"{urls}</urlset>\n")


def test_newsletter_issues_are_numbered_with_an_archive(site):
    issue = site.soup("lettre/2/index.html")
    assert "Numéro 2" in issue.select_one(".kicker").get_text()
    assert issue.h1.get_text() == "Pourquoi cette lettre existe"
    archive = site.soup("lettre/index.html")
    numbers = [p.get_text() for p in archive.select(".card .kicker")]
    assert numbers == ["Numéro 2", "Numéro 1"]
    feed = _xml(site, "feeds/lettre.atom.xml")
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == 2
    # Issues are not articles: they stay out of the article feed and listings.
    assert "lettre/" not in site.text("feeds/tout.atom.xml").split("<entry>", 1)[1]


def test_home_shows_latest_articles_and_latest_issue(site):
    home = site.soup("index.html")
    letter = home.select_one(".letter-box")
    assert "Numéro 2" in letter.get_text()
    titles = [h.get_text() for h in home.select(".cards .card h3")]
    assert titles[1:] == ["L’avenir est au marketing des communautés", "Parler avec plutôt que parler à"]


def test_listing_pages_and_404(site):
    for path in [
        "archives/index.html", "etiquettes/index.html", "rubriques/index.html",
        "etiquette/profondeur/index.html", "rubrique/communautes/index.html",
        "recherche/index.html", "404.html", "s-abonner/index.html",
    ]:
        soup = site.soup(path)
        assert soup.html["lang"] == "fr", path
        assert soup.find("main", id="contenu"), path
        assert soup.select_one("a.skip-link")["href"] == "#contenu", path
    assert "n’existe pas" in site.soup("404.html").h1.get_text()
    assert site.soup("archives/index.html").select_one("h2").get_text() == "2026"


def test_theme_reads_without_javascript_and_hyphenates(site):
    css = site.text("theme/css/nenufar.css")
    assert "hyphens: auto" in css
    assert "prefers-color-scheme: dark" in css
    assert "@media print" in css
    article = site.text(f"{SLUG}/index.html")
    assert "<script src" not in article and 'type="module"' not in article


def test_article_page_weight_budget(site):
    html = site.file(f"{SLUG}/index.html").stat().st_size
    css = site.file("theme/css/nenufar.css").stat().st_size
    assert html + css < 60 * 1024, f"{html} + {css} bytes"


GATED = """Title: Un texte en deux profondeurs
Date: 2026-11-23 08:30
Category: Communautés

Le début, pour tout le monde.

<!-- tier: abonnes -->

La suite réservée parle de zibelinecachee, un mot que seul ce passage emploie.
"""


def test_gated_sources_are_never_published(build_site):
    site = build_site({**basic_site(), "articles/deux-profondeurs.md": GATED})
    assert site.result.articles == 3
    assert "Le début, pour tout le monde." in site.text("un-texte-en-deux-profondeurs/index.html")
    published = site.all_files()
    assert [p for p in published if p.suffix in (".md", ".markdown", ".mkd", ".mdown")] == []
    assert not any(b"zibelinecachee" in p.read_bytes() for p in published)


def test_translations_link_both_ways_in_their_own_language(build_site):
    files = basic_site()
    files["articles/l-avenir-en.md"] = ("Title: The future belongs to communities\nDate: 2026-11-22 08:30\n"
                                        f"Slug: {SLUG}\nLang: en\nCategory: Communautés\n\nIn English: really?\n")
    site = build_site(files)
    french, english = site.soup(f"{SLUG}/index.html"), site.soup(f"en/{SLUG}/index.html")
    assert french.html["lang"] == "fr" and english.html["lang"] == "en"
    alternates = {(link["hreflang"], link["href"]) for link in french.select("link[rel=alternate][hreflang]")}
    assert alternates == {("fr", f"http://localhost:8000/{SLUG}/"), ("en", f"http://localhost:8000/en/{SLUG}/")}
    assert alternates == {(link["hreflang"], link["href"]) for link in english.select("link[rel=alternate][hreflang]")}
    shown = french.select_one("p.translations a")
    assert (shown.get_text(), shown["lang"], shown["href"]) == ("English", "en", f"http://localhost:8000/en/{SLUG}/")
    assert "In English: really?" in english.get_text()  # English is left as written: no French spaces
    assert not site.file(f"{SLUG}-en.html").exists()


@pytest.mark.parametrize("vouvoiement, expected", [
    (True, "Votre réponse m’intéresse\u00a0: écrivez-moi, ou parlez-en là où vous êtes."),
    (False, "Ta réponse m’intéresse\u00a0: écris-moi, ou parles-en là où tu es."),
])
def test_one_voice_for_the_reader_chosen_in_the_settings(build_site, vouvoiement, expected):
    site = build_site(basic_site(), VOUVOIEMENT=vouvoiement)
    assert site.soup(f"{SLUG}/index.html").select_one(".answer-lead").get_text() == expected
    feedback = site.soup("avis/index.html").h1.get_text()
    assert feedback == ("Votre avis sur ce numéro" if vouvoiement else "Ton avis sur ce numéro")

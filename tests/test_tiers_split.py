"""The split happens on the source: no whole-document Markdown feature carries
a deeper part into a shallower one, and near-miss dividers are refused."""

from __future__ import annotations

import gzip
import pytest

from publishing.build import BuildError

HEAD = "Title: Un article\nDate: 2026-11-20 08:30\nCategory: Essais\nTags: profondeur\n\n"
SECRETS = ("zibelinereservee", "castorcercle", "https://secret.exemple/cache", "titre secret de lien",
           "définition réservée", "notecachee")


def every_output_text(site):
    for path in site.all_files():
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield path, data.decode("utf-8", errors="ignore")


def assert_nowhere_public(site, *needles):
    for path, text in every_output_text(site):
        for needle in needles:
            assert needle not in text, f"« {needle} » leaked into {path.relative_to(site.output)}"


def private_feed(site, tier: str) -> str:
    from lxml import etree

    root = etree.fromstring((site.root / "private" / "flux" / f"{tier}.atom.xml").read_bytes())
    return "\n".join(e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}content"))


EVERY_FEATURE = HEAD + """[TOC]

Le début public, avec une HTML et une note[^pub], et un [lien public][pub].

[^pub]: Une note publique.
[pub]: https://public.exemple/ "Titre public"
*[HTML]: langage des pages

///Footnotes Go Here///

## Une partie publique

Encore du texte public.

<!-- tier: abonnes -->

## La méthode zibelinereservee

Le texte réservé avec ABBR, [le lien][sec], ![une image](https://secret.exemple/cache.png "titre secret de lien"),
la note[^cachee] et le rappel de la note publique[^pub], du HTML et [le lien public][pub].

*[ABBR]: définition réservée
[sec]: https://secret.exemple/cache "titre secret de lien"
[^cachee]: Une notecachee.

<!-- tier: cercle -->

## Une partie publique

Les coulisses castorcercle, avec ABBR, [le lien][sec] et une autre note[^cercle].

[^cercle]: Une note du Cercle.
"""


@pytest.fixture
def every_feature(build_site):
    return build_site({"articles/tout.md": EVERY_FEATURE}, PAGEFIND=True)


def test_whole_document_features_stay_within_their_part(every_feature):
    site = every_feature
    assert_nowhere_public(site, *SECRETS, "La méthode")
    soup = site.soup("un-article/index.html")
    toc = soup.select_one(".e-content .toc")
    assert [a.get_text() for a in toc.select("a")] == ["Une partie publique"]
    assert soup.select_one(".e-content abbr")["title"] == "langage des pages"
    notes = soup.select(".e-content .footnote li")
    assert [li.get_text().strip().rstrip("↩").strip() for li in notes] == ["Une note publique."]


def test_deeper_parts_use_the_shallower_definitions(every_feature):
    abonnes = private_feed(every_feature, "abonnes")
    assert '<abbr title="définition réservée">ABBR</abbr>' in abonnes
    assert '<a href="https://public.exemple/" title="Titre public">le lien public</a>' in abonnes
    assert '<abbr title="langage des pages">HTML</abbr>' in abonnes  # inherited from the public part
    assert "castorcercle" not in abonnes
    cercle = private_feed(every_feature, "cercle")
    assert '<a href="https://secret.exemple/cache" title="titre secret de lien">le lien</a>' in cercle
    assert cercle.count('<abbr title="définition réservée">ABBR</abbr>') == 2


def test_notes_are_numbered_as_in_the_whole_text_and_ids_stay_unique(every_feature):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(private_feed(every_feature, "cercle"), "lxml")
    ids = [tag["id"] for tag in soup.select("[id]")]
    assert len(ids) == len(set(ids)), ids
    calls = [(a["href"], a.get_text()) for a in soup.select("a.footnote-ref")]
    assert calls == [("#fn:pub", "1"), ("#fn:abonnes-cachee", "2"), ("#fn:pub", "1"),
                     ("#fn:cercle-cercle", "3")]
    assert [ol.get("start") for ol in soup.select(".footnote ol")] == [None, "2", "3"]
    headings = [h["id"] for h in soup.select("h2")]
    assert headings == ["une-partie-publique", "la-methode-zibelinereservee", "une-partie-publique_1"]


@pytest.mark.parametrize("use, definition, shown", [
    ("un [lien][sec]", "[sec]: https://secret.exemple/", "[sec]"),
    ("un [sec] raccourci", "[sec]: https://secret.exemple/", "[sec]"),
    ("une note[^b]", "[^b]: Une note réservée.", "[^b]"),
    ("une ABBR", "*[ABBR]: définition réservée", "ABBR"),
])
def test_a_shallower_part_cannot_use_a_deeper_definition(build_site, use, definition, shown):
    text = HEAD + f"Le début avec {use}.\n\n<!-- tier: abonnes -->\n\nLa suite.\n\n{definition}\n"
    with pytest.raises(BuildError) as failure:
        build_site({"articles/avant.md": text})
    message = str(failure.value)
    assert f"content/articles/avant.md:6\u00a0: « {shown} » est utilisé avant le séparateur du palier « abonnes »" in message
    assert "ligne 12" in message and "déplacez la définition avant le séparateur" in message


@pytest.mark.parametrize("comment, line", [
    ("<!--- tier: abonnes --->", 8),
    ("<!-- tier abonnes -->", 8),
    ("<!-- tiers: cercle -->", 8),
    ("<!-- Palier : cercle -->", 8),
    ("<!-- TIER: abonnes --> et du texte", 8),
    ("Du texte <!-- tier: abonnes --> au milieu.", 8),
    ("> <!-- tier: abonnes -->", 8),
    ("<!-- tier: abonnes", 8),
    ("<!--\ntier: abonnes\n-->", 8),
])
def test_near_miss_dividers_fail_naming_the_line_and_the_form(build_site, comment, line):
    text = HEAD + f"Le début public.\n\n{comment}\n\nLa suite zibelinereservee.\n"
    with pytest.raises(BuildError) as failure:
        build_site({"articles/presque.md": text})
    message = str(failure.value)
    assert f"content/articles/presque.md:{line}\u00a0: commentaire « " in message
    assert "s’écrit exactement « <!-- tier: abonnes --> »" in message


def test_a_divider_in_a_list_continuation_is_caught_after_rendering(build_site):
    text = HEAD + "Le début.\n\n- un point\n\n    <!-- tier: abonnes -->\n\n    La suite.\n"
    with pytest.raises(BuildError, match=r"presque\.md:10\u00a0: commentaire « <!-- tier: abonnes --> »"):
        build_site({"articles/presque.md": text})


def test_a_divider_cannot_cut_an_html_block(build_site):
    text = HEAD + "Le début.\n\n<div class=\"encadre\">\nDébut de l'encadré.\n\n<!-- tier: abonnes -->\n\nSuite.\n</div>\n"
    with pytest.raises(BuildError, match=r"coupe\.md:8\u00a0: la balise <div> ouverte ici n’est pas refermée"):
        build_site({"articles/coupe.md": text})


def test_dividers_in_code_stay_text(build_site):
    text = HEAD + ("Le début, et `<!-- tier: abonnes -->` en ligne.\n\n```markdown\n<!-- tier: cercle -->\n```\n\n"
                   "    <!-- tier: abonnes -->\n\nToujours public.\n")
    site = build_site({"articles/code.md": text})
    page = site.soup("un-article/index.html").select_one(".e-content")
    assert page.get_text().count("<!-- tier:") == 3
    assert "Toujours public." in page.get_text()
    assert not site.soup("un-article/index.html").select(".tier-gate")


def test_a_wholly_reserved_text_keeps_its_question_reserved(build_site):
    text = ("Title: Réservé\nDate: 2026-11-20\nCategory: Essais\nTier: abonnes\nSummary: Un résumé public.\n"
            "Question: Quelle est la question zibelinereservee ?\n\nLe texte réservé.\n")
    site = build_site({"articles/reserve.md": text}, PAGEFIND=True)
    assert_nowhere_public(site, "zibelinereservee")
    page = site.soup("reserve/index.html")
    assert page.select_one(".tier-gate")
    assert page.select_one('meta[name="description"]')["content"] == "Un résumé public."
    assert "La conversation" in page.select_one("#discussion-titre").get_text()
    assert "zibelinereservee" in private_feed(site, "abonnes")


def test_newsletter_issue_features_stay_within_their_part(build_site):
    issue = ("Title: Numéro un\nDate: 2026-11-05 07:00\nIssue: 1\n\n[TOC]\n\n## Pour tous\n\nBonjour, une note[^a].\n\n"
             "[^a]: Publique.\n\n///Footnotes Go Here///\n\n<!-- tier: abonnes -->\n\n## Pour zibelinereservee\n\n"
             "Une ABBR et une note[^b].\n\n*[ABBR]: définition réservée\n[^b]: Une notecachee.\n")
    site = build_site({"newsletter/numero-1.md": issue}, NEWSLETTER_EDITION="latest")
    assert_nowhere_public(site, "zibelinereservee", "définition réservée", "notecachee")
    folder = site.root / "private" / "newsletter" / "1"
    free = (folder / "public.html").read_text(encoding="utf-8")
    assert "zibelinereservee" not in free and "notecachee" not in free and "Publique." in free
    members = (folder / "abonnes.html").read_text(encoding="utf-8")
    assert "zibelinereservee" in members and "notecachee" in members


@pytest.mark.parametrize("name, source", [
    ("articles/texte.rst", "Un texte\n########\n\n:date: 2026-11-20\n:category: Essais\n\nLe début.\n\n"
                           ".. tier: abonnes\n\nLa suite.\n"),
    ("articles/texte.html", "<html><head><title>Un texte</title><meta name=\"date\" content=\"2026-11-20\">"
                            "<meta name=\"category\" content=\"Essais\"></head><body><p>Le début.</p>\n"
                            "<!-- tier: abonnes -->\n<p>La suite.</p></body></html>"),
])
def test_rest_and_html_refuse_dividers(build_site, name, source):
    with pytest.raises(BuildError) as failure:
        build_site({name: source})
    assert f"content/{name}:" in str(failure.value)
    assert "ne sont lus que dans les fichiers Markdown" in str(failure.value)


def test_rest_can_be_reserved_whole(build_site):
    source = ("Un texte réservé\n################\n\n:date: 2026-11-20\n:category: Essais\n:tier: abonnes\n"
              ":summary: Un résumé public.\n\nLe texte zibelinereservee du début à la fin.\n")
    site = build_site({"articles/texte.rst": source})
    assert_nowhere_public(site, "zibelinereservee")
    assert site.soup("un-texte-reserve/index.html").select_one(".tier-gate")
    assert "zibelinereservee" in private_feed(site, "abonnes")


def test_images_and_extra_files_are_copied(build_site, tmp_path):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
           b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
           b"\x00\x00\x00\x00IEND\xaeB`\x82")
    (tmp_path / "content" / "images").mkdir(parents=True)
    (tmp_path / "content" / "images" / "nenuphar.png").write_bytes(png)
    text = HEAD + "Une image publique : ![Un nénuphar]({static}/images/nenuphar.png)\n"
    site = build_site({"articles/image.md": text, "extra/robots.txt": "User-agent: *\n"})
    assert site.file("images/nenuphar.png").read_bytes() == png
    assert site.soup("un-article/index.html").select_one(".e-content img")["src"].endswith("/images/nenuphar.png")
    assert site.file("extra/robots.txt").exists()

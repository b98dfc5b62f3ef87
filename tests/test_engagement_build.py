"""The build side of the engagement service: with ENGAGEMENT_URL, the site's forms
and the editions' links lead to the service; without it, the site is byte for
byte what it was."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from conftest import site_settings, write_content
from publishing.build import build
from test_newsletter_editions import FILES as LETTER_FILES

SITE = "https://nenufar.exemple.fr"
SERVICE = "https://abonnement.nenufar.exemple.fr"
PAGE = "Title: S'abonner\nSlug: s-abonner\n\nÉcrivez-nous pour vous abonner.\n"
ARTICLE = "Title: Parler avec\nDate: 2026-10-10 09:00\nSlug: parler-avec\n\nUne conversation plutôt qu’un porte-voix.\n"
COMMENT = "Author: Inès\nDate: 2026-10-11 10:00\n\nTout à fait d’accord.\n"
FILES = {**LETTER_FILES, "pages/s-abonner.md": PAGE, "articles/parler.md": ARTICLE,
         "conversations/parler-avec/ines-1.md": COMMENT}


def built(tmp_path, name, plugins=None, **overrides):
    root = tmp_path / name
    write_content(root / "content", FILES)
    values = {"SITEURL": SITE, "FEED_DOMAIN": SITE, "NEWSLETTER_EDITION": "latest", **overrides}
    if plugins is not None:
        values["PLUGINS"] = plugins
    settings = site_settings(root, root / "content", **values)
    result = build(settings)
    return root / "output", result


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_without_engagement_url_the_site_and_the_editions_are_unchanged(tmp_path):
    from publishing.build import load_settings
    from conftest import ROOT

    plugins = [p for p in load_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"] if p != "engagement"]
    without, before = built(tmp_path, "sans-extension", plugins)
    unset, after = built(tmp_path, "non-reglee")
    assert files(without) == files(unset)  # byte for byte
    for old, new in zip(before.editions, after.editions):
        assert old.text == new.text and str(old.message["List-Unsubscribe"]) == str(new.message["List-Unsubscribe"])
    assert all("/idees" not in e.text for e in after.editions)
    page = (unset / "s-abonner" / "index.html").read_text(encoding="utf-8")
    assert "<form" not in page and "Écrivez-nous pour vous abonner" in page
    assert not any(b"<form" in data and b"/abonnement" in data for data in files(unset).values())


def soup(folder, path):
    return BeautifulSoup((folder / path).read_text(encoding="utf-8"), "lxml")


def test_with_engagement_url_the_forms_post_to_the_service(tmp_path):
    output, _ = built(tmp_path, "service", ENGAGEMENT_URL=SERVICE)
    # Every article (a gated one too, whose teaser leads to the subscription), every letter page.
    for path in ("s-abonner/index.html", "parler-avec/index.html", "un-article-recent/index.html",
                 "un-article-ancien/index.html", "lettre/2/index.html", "lettre/1/index.html"):
        forms = [f for f in soup(output, path).find_all("form") if f["action"] == f"{SERVICE}/abonnement"]
        assert len(forms) == 1, path
        form = forms[0]
        assert form["method"] == "post"
        names = [i["name"] for i in form.find_all("input")]
        assert names == ["courriel", "nom", "site_web"]  # email, optional name, the robots' trap
        assert form.find("input", attrs={"name": "courriel"}).has_attr("required")
        assert not form.find("input", attrs={"name": "nom"}).has_attr("required")
    article = soup(output, "parler-avec/index.html")
    comment = article.find("form", id="formulaire-commentaire")
    assert comment["action"] == f"{SERVICE}/commentaire"
    assert {i["name"]: i.get("value") for i in comment.find_all("input") if i.get("type") == "hidden"} == {
        "article": "parler-avec"}
    assert [t["name"] for t in comment.find_all(["input", "textarea"]) if t.get("type") != "hidden"] == [
        "nom", "site", "courriel", "texte", "site_web"]
    [report] = article.find_all("form", class_="report-form")
    assert report["action"] == f"{SERVICE}/signaler" and report.button.get_text() == "Signaler"
    assert {i["name"]: i["value"] for i in report.find_all("input")} == {"article": "parler-avec",
                                                                         "commentaire": "ines-1"}
    assert not article.find("script", src=True) or all("engagement" not in s["src"] for s in article.find_all("script", src=True))


def test_with_engagement_url_the_editions_link_to_the_service(tmp_path):
    _, result = built(tmp_path, "editions", ENGAGEMENT_URL=SERVICE)
    for edition in result.editions:
        header = str(edition.message["List-Unsubscribe"])
        assert header.startswith("<mailto:desabonnement@nenufar.example?subject=desabonnement%20")  # kept
        assert f"<{SERVICE}/desabonnement?jeton=NENUFAR-JETON-ABONNE>" in header
        assert edition.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"{SERVICE}/avis?numero=2&reponse=oui&jeton=NENUFAR-JETON-ABONNE" in edition.text
        assert f"{SERVICE}/avis?numero=2&reponse=non&jeton=NENUFAR-JETON-ABONNE" in edition.text
        assert f"{SERVICE}/idees?jeton=NENUFAR-JETON-ABONNE" in edition.text  # « Vos idées », to vote


def test_the_ideas_page_lists_the_approved_ideas_most_voted_first(tmp_path):
    root = tmp_path / "idees"
    ideas = {"ideas": [{"id": 4, "title": "Les petites marques", "body": "<b>et</b> les artisans", "author": "Léa",
                        "votes": 2},
                       {"id": 7, "title": "Les rencontres", "body": "", "author": "", "votes": 5}]}
    write_content(root / "content", {**FILES, "idees.json": json.dumps(ideas),
                                     "pages/vos-idees.md": "Title: Vos idées\nSlug: vos-idees\nTemplate: idees\n\n"
                                                           "Proposez les sujets des prochains articles.\n"})
    build(site_settings(root, root / "content", SITEURL=SITE, ENGAGEMENT_URL=SERVICE))
    page = soup(root / "output", "vos-idees/index.html")
    items = page.find_all("li", class_="idea")
    assert [i.h3.get_text() for i in items] == ["Les rencontres", "Les petites marques"]
    assert "5\u00a0votes" in items[0].get_text() and "<b>et</b> les artisans" in items[1].get_text()
    assert [f["action"] for f in page.find_all("form")] == [f"{SERVICE}/idees/vote"] * 2 + [f"{SERVICE}/idees"]


def test_the_forms_pass_the_html_checker_and_axe(tmp_path, browser):
    from conftest import free_port, serve_folder
    from test_validators import axe_result, violations, vnu_errors

    port = free_port()
    site = f"http://127.0.0.1:{port}"  # the pages' stylesheet must load: contrast is checked
    output, _ = built(tmp_path, "validateurs", ENGAGEMENT_URL=SERVICE, SITEURL=site, FEED_DOMAIN=site)
    assert vnu_errors(output) == []
    server = serve_folder(output, port)
    try:
        for path in ("s-abonner/", "parler-avec/", "lettre/2/"):
            for scheme in ("light", "dark"):
                page = browser.new_page(color_scheme=scheme)
                try:
                    page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="load")
                    axe_result(page)  # loads axe-core; the forms are what this test owns
                    result = page.evaluate("axe.run({include: [['form']]}, "
                                           "{runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
                finally:
                    page.close()
                assert violations(result) == [], (path, scheme)
                assert len(result["passes"]) > 5  # axe really looked at the forms
    finally:
        server.shutdown()

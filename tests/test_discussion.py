"""Discussion: the question, the ways to answer, and moderated static comments."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from publishing.build import BuildError

ARTICLE = """Title: L'avenir est aux communautés
Date: 2026-11-20 08:30
Category: Communautés
Question: Où restes-tu, et pourquoi ?

Un texte qui appelle une réponse.
"""
QUIET = """Title: Un texte sans conversation
Date: 2026-11-19 08:30
Category: Communautés
Discussion: off
Question: Cette question ne doit pas paraître ?

Rien à discuter ici.
"""
SLUG = "l-avenir-est-aux-communautes"


def comment(author, date, body, **extra):
    lines = [f"Author: {author}", f"Date: {date}"] + [f"{k.replace('_', '-').title()}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


COMMENTS = {
    f"conversations/{SLUG}/marion.md": comment("Marion", "2026-11-21 09:00", "Chez nous, *ça marche*.",
                                               website="https://marion.exemple.fr/", email="marion@prive.fr"),
    f"conversations/{SLUG}/claire.md": comment("Claire Morvan", "2026-11-21 10:00", "Merci Marion !",
                                               reply_to="marion", role="autrice"),
    f"conversations/{SLUG}/yann.md": comment("Yann", "2026-11-22 08:00", "Pas d'accord, et voici pourquoi."),
}


@pytest.fixture
def site(build_site):
    return build_site({"articles/avenir.md": ARTICLE, "articles/calme.md": QUIET, **COMMENTS})


def test_the_question_and_the_ways_to_answer_end_the_article(site):
    soup = site.soup(f"{SLUG}/index.html")
    section = soup.select_one("section.discussion")
    assert section.h2.get_text() == "La question"
    assert section.select_one(".question-text").get_text() == "Où restes-tu, et pourquoi\u202f?"
    mailto = section.find("a", string="Répondre par courriel")["href"]
    assert mailto.startswith("mailto:claire@nenufar.example?subject=")
    assert unquote(mailto.split("subject=")[1]) == "Re: L’avenir est aux communautés"
    hosts = [re.match(r"https://([^/]+)/", a["href"]).group(1) for a in section.select(".answer-ways a[href^=https]")]
    assert hosts == ["mastodonshare.com", "www.linkedin.com", "bsky.app"]
    assert soup.find("script", src=True) is None  # no third-party script, no tracker


def test_discussion_off_removes_it(site):
    soup = site.soup("un-texte-sans-conversation/index.html")
    assert soup.select_one("section.discussion") is None
    assert "Cette question" not in soup.get_text()


def test_comments_are_threaded_marked_and_machine_readable(site):
    soup = site.soup(f"{SLUG}/index.html")
    top = soup.select("ol.comments > li")
    assert [li.select_one(".p-author").get_text() for li in top] == ["Marion", "Yann"]
    reply = top[0].select_one("ol.replies > li")
    assert reply.select_one(".p-author").get_text(strip=True) == "Claire Morvan"
    assert reply.select_one(".badge").get_text() == "Autrice"
    assert top[1].select_one(".badge") is None
    assert all("p-comment" in li["class"] and "h-entry" in li["class"] for li in soup.select("li.comment"))
    assert soup.select_one(".comments-title").get_text() == "3\u00a0commentaires"
    assert top[0].select_one(".e-content em").get_text() == "ça marche"
    assert top[0].select_one("a.p-name")["href"] == "https://marion.exemple.fr/"
    assert "marion@prive.fr" not in "".join(p.read_text(encoding="utf-8", errors="ignore") for p in site.all_files())


def test_counts_on_listings_and_most_commented_on_the_home_page(site):
    home = site.soup("index.html")
    card = next(li for li in home.select("ul.cards li") if "L’avenir" in li.get_text())
    assert "3\u00a0commentaires" in card.select_one(".entry-meta").get_text()
    most = home.select("ol.most-commented li")
    assert len(most) == 1 and "L’avenir est aux communautés" in most[0].get_text()


def test_most_commented_ties_go_to_the_newest_whatever_their_titles(build_site):
    """Two articles with as many comments: the newer one first, even when its title sorts
    last (a new title must never reorder the home page)."""
    older = "Title: Aube d'un texte ancien\nSlug: ancien\nDate: 2026-11-10 08:30\nCategory: Communautés\n\nAncien.\n"
    newer = "Title: Zénith d'un texte récent\nSlug: recent\nDate: 2026-11-12 08:30\nCategory: Communautés\n\nRécent.\n"
    files = {"articles/ancien.md": older, "articles/recent.md": newer}
    for slug in ("ancien", "recent"):
        files[f"conversations/{slug}/lea.md"] = comment("Léa", "2026-11-21 09:00", "Merci.")
    site = build_site(files)
    titles = [li.a.get_text() for li in site.soup("index.html").select("ol.most-commented li")]
    assert titles == ["Zénith d’un texte récent", "Aube d’un texte ancien"]


def test_comment_files_are_not_articles(site):
    assert site.result.articles == 2
    assert not list(site.output.rglob("*conversations*"))


HOSTILE = """<script>alert(1)</script>
<img src=x onerror="alert(2)">
<p style="color:red" onclick="alert(3)">texte</p>
<style>body{display:none}</style>
[un lien](javascript:alert(4)) et [un bon lien](https://exemple.fr/) et <a href="https://exemple.fr/" onmouseover="alert(5)">brut</a>
"""


def test_hostile_comment_is_neutralised(build_site):
    site = build_site({"articles/avenir.md": ARTICLE,
                       f"conversations/{SLUG}/pirate.md": comment("<b>Pirate</b>", "2026-11-21 09:00", HOSTILE,
                                                                  website="javascript:alert(6)")})
    html = site.text(f"{SLUG}/index.html")
    body = html.split('class="comments"', 1)[1]
    for needle in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "<style", "style=", "<img", "<b>"):
        assert needle not in body.lower(), needle
    assert "&lt;b&gt;Pirate&lt;/b&gt;" in body  # the name is shown, as text
    soup = site.soup(f"{SLUG}/index.html")
    link = soup.select_one("li.comment .e-content a[href='https://exemple.fr/']")
    assert set(link["rel"]) == {"nofollow", "ugc"}


@pytest.mark.parametrize("path, text, message", [
    (f"conversations/{SLUG}/a.md", "Author Marion\nDate: 2026-11-21\n\nTexte.\n",
     f"content/conversations/{SLUG}/a.md:1\u00a0: «\u202fAuthor Marion\u202f» n’est pas une ligne"),
    (f"conversations/{SLUG}/b.md", "Date: 2026-11-21\n\nTexte.\n", "«\u202fAuthor:\u202f» manquant"),
    (f"conversations/{SLUG}/c.md", "Author: X\nDate: hier\n\nTexte.\n", f"{SLUG}/c.md:2\u00a0: date illisible «\u202fhier\u202f»"),
    (f"conversations/{SLUG}/d.md", "Author: X\nDate: 2026-11-21\nReply-To: personne\n\nTexte.\n",
     "«\u202fReply-To: personne\u202f» ne désigne aucun commentaire"),
    ("conversations/article-inconnu/e.md", "Author: X\nDate: 2026-11-21\n\nTexte.\n",
     "content/conversations/article-inconnu/e.md\u00a0: aucun article n’a l’adresse «\u202farticle-inconnu\u202f»"),
    (f"conversations/{SLUG}/f.md", "Author: X\nDate: 2026-11-21\nCouleur: rouge\n\nTexte.\n",
     "clé inconnue «\u202fCouleur\u202f»"),
    (f"conversations/{SLUG}/g.md", "Author: X\nDate: 2026-11-21\nReply-To: g\n\nTexte.\n",
     f"content/conversations/{SLUG}/g.md\u00a0: «\u202fReply-To: g\u202f» forme une boucle de réponses"),
])
def test_bad_comment_files_fail_the_build_naming_the_file(build_site, path, text, message):
    with pytest.raises(BuildError) as failure:
        build_site({"articles/avenir.md": ARTICLE, path: text})
    assert message in str(failure.value)


def test_webmention_endpoint_is_advertised(build_site):
    site = build_site({"articles/avenir.md": ARTICLE},
                      WEBMENTION_ENDPOINT="https://webmention.io/nenufar.example/webmention")
    link = site.soup(f"{SLUG}/index.html").select_one('link[rel="webmention"]')
    assert link["href"] == "https://webmention.io/nenufar.example/webmention"


def test_a_new_comment_reaches_the_listing_on_a_cached_rebuild(build_site):
    files = {"articles/avenir.md": ARTICLE, **COMMENTS}
    build_site(files, LOAD_CONTENT_CACHE=True)
    files[f"conversations/{SLUG}/zoe.md"] = comment("Zoé", "2026-11-23 08:00", "Et moi aussi.")
    site = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "4\u00a0commentaires" in site.soup("index.html").select_one(".entry-meta").get_text()
    assert "Zoé" in site.text(f"{SLUG}/index.html")


WEBMENTIONS = {"type": "feed", "children": [
    {"type": "entry", "wm-property": "in-reply-to", "wm-target": f"https://nenufar.example/{SLUG}/",
     "url": "https://blog.exemple.fr/reponse", "published": "2026-11-22T10:00:00+01:00",
     "author": {"name": "Lena <script>", "url": "https://blog.exemple.fr/"},
     "content": {"html": "<p>Je réponds <script>alert(1)</script><a href='javascript:x'>ici</a></p>"}},
    {"type": "entry", "wm-property": "like-of", "wm-target": f"https://nenufar.example/{SLUG}/",
     "author": {"name": "Paul", "url": "javascript:alert(2)"}},
    {"type": "entry", "wm-property": "repost-of", "wm-target": f"https://nenufar.example/{SLUG}/",
     "url": "https://social.exemple/@rose/1", "author": {"name": "Rose"}},
    {"type": "entry", "wm-property": "like-of", "wm-target": "https://nenufar.example/",
     "author": {"name": "Accueil"}},
]}


def test_received_webmentions_show_as_replies_likes_and_reposts(build_site):
    import json

    site = build_site({"articles/avenir.md": ARTICLE, "webmentions/export.json": json.dumps(WEBMENTIONS)})
    soup = site.soup(f"{SLUG}/index.html")
    section = soup.select_one("section.discussion")
    assert "Ailleurs sur le Web" in section.get_text()
    summaries = [p.get_text() for p in section.select(".mention-summary")]
    assert summaries == ["1\u00a0mention «\u202fj’aime\u202f»\u00a0: Paul.", "1\u00a0partage\u00a0: Rose."]
    reply = section.select_one("ol.webmentions li.h-cite")
    assert reply.select_one(".p-name").get_text() == "Lena <script>"  # shown as text
    assert reply.select_one("a.u-url[href='https://blog.exemple.fr/reponse']")
    html = str(section)
    assert "<script" not in html and "javascript:" not in html
    assert any("1 mention vise des pages qui ne sont pas des articles" in w for w in site.result.warnings)


def test_unreadable_webmention_export_fails_naming_it(build_site):
    with pytest.raises(BuildError, match="content/webmentions/casse.json\u00a0: export de webmentions illisible "
                                         r"\(JSON mal formé, ligne 1, colonne 2\)"):
        build_site({"articles/avenir.md": ARTICLE, "webmentions/casse.json": "{"})

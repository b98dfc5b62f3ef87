"""Community reactions against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from werkzeug.wrappers import Response

from reactions import sources
from reactions.config import Limits
from reactions.digest import write_data, write_digest
from reactions.fetch import fetch_all
from publishing import ArticleRef
from reactions.match import Matcher, normal_url

SITE = "https://nenufar.example"
ARTICLES = [ArticleRef("l-avenir-est-aux-communautes", "L’avenir est aux communautés",
             f"{SITE}/l-avenir-est-aux-communautes/", "articles/l-avenir-est-aux-communautes.md"),
            ArticleRef("ecouter-avant-de-parler", "Écouter avant de parler",
             f"{SITE}/ecouter-avant-de-parler/", "articles/ecouter-avant-de-parler.md")]
INDEX = {a.slug: (a.title, a.path) for a in ARTICLES}


def rss(items: str, encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Blog</title>'
            f"<link>https://blog.exemple.fr/</link>{items}</channel></rss>").encode(encoding)


def item(title, link, body="", guid=None, date="Sat, 21 Nov 2026 10:00:00 +0100"):
    return (f"<item><title>{title}</title><link>{link}</link>" + (f"<guid>{guid}</guid>" if guid else "")
            + (f"<pubDate>{date}</pubDate>" if date else "") + f"<description><![CDATA[{body}]]></description></item>")


@pytest.fixture
def store(reactions_store):
    return reactions_store


MATCHER = Matcher(ARTICLES, ["Nénufar", "#nenufar"])


def fetch(store, workers=None, **limits):
    """Every listed source of the store, as `reactions.fetch` asks them: {name: SourceResult}."""
    # In a thread of its own: the session's browser keeps an event loop running in this one.
    from concurrent.futures import ThreadPoolExecutor

    plan = sources.plan([s for s in store.sources() if s.listed])
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(asyncio.run, fetch_all(store, plan, MATCHER, Limits(**limits), workers=workers)).result()
    return {r.source.name: r for r in report.results}


def in_turn(feeds: list[bytes]):
    """A handler serving each feed in turn, then the last one again."""
    served = []

    def handler(request):
        served.append(1)
        return Response(feeds[min(len(served), len(feeds)) - 1], content_type="application/rss+xml")

    return handler


def add(store, httpserver, name, path, kind="blog"):
    store.upsert_source(httpserver.url_for(path), name, kind)


def test_urls_are_normalised_before_matching():
    a = normal_url("https://www.nenufar.example/l-avenir/?utm_source=x&utm_medium=y#haut")
    assert a == normal_url("http://nenufar.example/l-avenir") == "//nenufar.example/l-avenir"
    assert normal_url("https://exemple.fr/%C3%A9coute/") == normal_url("https://exemple.fr/écoute")


def test_a_reaction_is_matched_by_link_or_title_and_stored(store, httpserver):
    body = ('<p>Je réponds à <a href="https://www.nenufar.example/l-avenir-est-aux-communautes?utm_source=rss">'
            "ce texte</a>.</p>")
    httpserver.expect_request("/blog.xml").respond_with_data(rss(
        item("Ma réponse", "/2026/reponse", body, guid="r1")
        + item("Lu : ecouter avant de parler", "https://blog.exemple.fr/lu", "Très juste.", guid="r2")
        + item("Une recette", "https://blog.exemple.fr/recette", "Rien à voir.", guid="r3")
        + item("Merci #nenufar", "https://blog.exemple.fr/merci", "Une lettre que je lis.", guid="r4")),
        content_type="application/rss+xml")
    add(store, httpserver, "Blog de Marion", "/blog.xml")
    result = fetch(store)["Blog de Marion"]
    assert result.status == "ok" and result.added == 4
    entries = {e.title: e for e in store.entries()}
    assert entries["Ma réponse"].articles == ("l-avenir-est-aux-communautes",)
    assert entries["Ma réponse"].link == httpserver.url_for("/2026/reponse")  # relative link made absolute
    assert entries["Lu : ecouter avant de parler"].articles == ("ecouter-avant-de-parler",)  # accents, case aside
    assert entries["Une recette"].articles == () and entries["Une recette"].keywords == ()
    assert entries["Merci #nenufar"].keywords == ("#nenufar",)


@pytest.mark.parametrize("name, data, content_type", [
    ("rss1", b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>T</title></channel>'
             b'<item rdf:about="https://f.exemple/1"><title>Entr\xc3\xa9e RSS 1.0</title>'
             b'<link>https://f.exemple/1</link></item></rdf:RDF>', "application/rdf+xml"),
    ("atom", '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
             '<entry><id>urn:a1</id><title>Entrée Atom</title><link href="https://f.exemple/a"/>'
             '<updated>2026-11-21T10:00:00Z</updated><content type="html">&lt;p&gt;Texte&lt;/p&gt;</content>'
             '</entry></feed>'.encode(), "application/atom+xml"),
    ("json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "j1", "url": "https://f.exemple/j", "title": "Entrée JSON Feed", "content_text": "Texte",
         "date_published": "2026-11-21T10:00:00+01:00"}]}).encode(), "application/feed+json"),
    ("latin1", rss(item("Entrée en Latin-1 : été, à, ç", "https://f.exemple/l", "Déjà vu", guid="l1"),
                   encoding="iso-8859-1"), "application/rss+xml; charset=iso-8859-1"),
    ("mismatch", rss(item("Entrée déclarée latin-1", "https://f.exemple/m", "Ça", guid="m1"),
                     encoding="iso-8859-1"), "text/xml; charset=utf-8"),
    ("broken", b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>B</title>'
               b'<item><title>Entr\xc3\xa9e d\'un flux cass\xc3\xa9</title><link>https://f.exemple/b</link>'
               b'<description>texte & bruit</description></item></channel>', "application/rss+xml"),
])
def test_feed_formats_and_encodings(store, httpserver, name, data, content_type):
    httpserver.expect_request(f"/{name}").respond_with_data(data, content_type=content_type)
    add(store, httpserver, name, f"/{name}")
    result = fetch(store)[name]
    assert result.status == "ok", result.error
    titles = [e.title for e in store.entries()]
    assert len(titles) == 1 and titles[0].startswith("Entr"), titles
    assert "é" in titles[0] or name in ("json", "atom")
    if name in ("latin1",):
        assert titles[0] == "Entrée en Latin-1 : été, à, ç"


def test_untrusted_feed_html_never_survives(store, httpserver, tmp_path):
    body = ('<p onclick="alert(1)">Bel article <a href="https://nenufar.example/l-avenir-est-aux-communautes/">'
            'là</a><script>alert(2)</script><img src=x onerror=alert(3)> <b>gras</b> &lt;script&gt;</p>')
    httpserver.expect_request("/x").respond_with_data(rss(item("<em>Titre</em> piégé", "javascript:alert(4)", body,
                                                               guid="x1")))
    httpserver.expect_request("/y").respond_with_data(rss(item("Autre", "https://f.exemple/y", body, guid="y1")))
    add(store, httpserver, "Piège", "/x")
    add(store, httpserver, "Piège 2", "/y")
    fetch(store)
    entries = {e.title: e for e in store.entries()}
    assert entries["Titre piégé"].link is None  # javascript: is not a link
    text = entries["Autre"].excerpt
    assert "alert(2)" not in text and "onclick" not in text and "<" not in text.replace("<script>", "")
    path, reactions, _ = write_digest(store, INDEX, tmp_path / "content", since=__import__("datetime").timedelta(days=3650))
    digest = path.read_text(encoding="utf-8")
    assert reactions == 1 and "<script" not in digest and "onclick" not in digest
    assert "&lt;script&gt;" in digest  # the text « <script> » stays text
    data = json.loads(write_data(store, INDEX, tmp_path / "content").path.read_text(encoding="utf-8"))
    assert all("<" not in r["excerpt"] or "&lt;" not in r["excerpt"] for r in data["l-avenir-est-aux-communautes"])


def test_conditional_requests_and_304(store, httpserver):
    calls = []

    def handler(request):
        calls.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(rss(item("Une", "https://f.exemple/1", guid="1")), headers={"ETag": '"v1"'},
                        content_type="application/rss+xml")

    httpserver.expect_request("/c").respond_with_handler(handler)
    add(store, httpserver, "Conditionnel", "/c")
    assert fetch(store)["Conditionnel"].status == "ok"
    assert fetch(store)["Conditionnel"].status == "not-modified"
    assert calls == [None, '"v1"'] and len(store.entries()) == 1


def test_dedupe_by_guid_then_by_link_and_title_and_updates(store, httpserver):
    feeds = [rss(item("Sans guid", "https://f.exemple/s", "v1") + item("A", "https://f.exemple/a", guid="same")
                 + item("B", "https://f.exemple/b", guid="same")),
             rss(item("Sans guid", "https://f.exemple/s", "v2 corrigée") + item("A", "https://f.exemple/a", guid="same")
                 + item("B", "https://f.exemple/b", guid="same"))]
    httpserver.expect_request("/d").respond_with_handler(in_turn(feeds))
    add(store, httpserver, "Doublons", "/d")
    fetch(store)
    fetch(store)
    entries = store.entries()
    assert sorted(e.title for e in entries) == ["A", "B", "Sans guid"]  # a reused guid is not a key
    assert next(e for e in entries if e.title == "Sans guid").excerpt == "v2 corrigée"  # updated


def test_errors_are_per_source_and_reported(store, threaded_server):
    httpserver = threaded_server
    httpserver.expect_request("/ok").respond_with_data(rss(item("Bon", "https://f.exemple/ok", guid="ok")))
    httpserver.expect_request("/gros").respond_with_data(b"x" * 3000, content_type="application/rss+xml")
    httpserver.expect_request("/lent").respond_with_handler(lambda r: (time.sleep(1.5), Response("trop tard"))[1])
    httpserver.expect_request("/boucle-a").respond_with_data("", status=302, headers={"Location": "/boucle-b"})
    httpserver.expect_request("/boucle-b").respond_with_data("", status=302, headers={"Location": "/boucle-a"})
    httpserver.expect_request("/parti").respond_with_data("", status=410)
    httpserver.expect_request("/pause").respond_with_data("", status=429, headers={"Retry-After": "120"})
    httpserver.expect_request("/illisible").respond_with_data(b"\x00\x01pas un flux", content_type="text/html")
    for name in ("ok", "gros", "lent", "boucle-a", "parti", "pause", "illisible"):
        add(store, httpserver, name, f"/{name}")
    results = fetch(store, timeout=0.8, source_time=5, max_bytes=2000)
    assert results["ok"].status == "ok"
    assert "trop volumineuse" in results["gros"].error
    assert "délai dépassé" in results["lent"].error
    assert "boucle de redirections" in results["boucle-a"].error
    assert "410" in results["parti"].error
    assert "429" in results["pause"].error
    assert results["illisible"].status == "error"
    sources = {s.name: s for s in store.sources()}
    assert sources["parti"].disabled and sources["pause"].retry_after
    again = fetch(store, timeout=0.8, source_time=5, max_bytes=2000)
    assert again["parti"].status == "skipped" and again["pause"].status == "skipped"
    assert sources["gros"].last_error and sources["gros"].last_error_at


def test_permanent_redirect_updates_the_url_and_403_retries_with_a_browser_agent(store, httpserver):
    httpserver.expect_request("/ancien").respond_with_data("", status=301, headers={"Location": "/nouveau"})
    httpserver.expect_request("/nouveau").respond_with_data(rss(item("Déplacé", "https://f.exemple/n", guid="n")))

    def picky(request):
        if "Mozilla" not in request.headers.get("User-Agent", ""):
            return Response("interdit", status=403)
        return Response(rss(item("Difficile", "https://f.exemple/p", guid="p")), content_type="application/rss+xml")

    httpserver.expect_request("/difficile").respond_with_handler(picky)
    add(store, httpserver, "Déménagé", "/ancien")
    add(store, httpserver, "Difficile", "/difficile")
    results = fetch(store)
    assert results["Déménagé"].status == "ok" and results["Difficile"].status == "ok"
    assert {s.name: s.url for s in store.sources()}["Déménagé"] == httpserver.url_for("/nouveau")


def test_a_new_source_does_not_flood_the_digest_with_undated_entries(store, httpserver, tmp_path):
    import datetime as dt

    feeds = [rss(item("Ancienne", "https://nenufar.example/l-avenir-est-aux-communautes/", guid="old", date=None)),
             rss(item("Ancienne", "https://nenufar.example/l-avenir-est-aux-communautes/", guid="old", date=None)
                 + item("Nouvelle", "https://nenufar.example/l-avenir-est-aux-communautes/", guid="new", date=None))]
    httpserver.expect_request("/n").respond_with_handler(in_turn(feeds))
    add(store, httpserver, "Neuf", "/n")
    fetch(store)
    fetch(store)
    recent = [e.title for e in store.entries(since=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7))]
    assert recent == ["Nouvelle"]


def test_digest_groups_by_article_and_is_replaced_the_same_week(store, httpserver, tmp_path):
    import datetime as dt

    today = dt.datetime.now(dt.timezone.utc)
    date = today.strftime("%a, %d %b %Y %H:%M:%S +0000")
    httpserver.expect_request("/b").respond_with_data(rss(
        item("Réponse", "https://blog.exemple.fr/r", '<a href="https://nenufar.example/ecouter-avant-de-parler/">ici</a>',
             guid="r", date=date) + item("Bravo Nénufar", "https://blog.exemple.fr/m", "Bien.", guid="m", date=date)))
    add(store, httpserver, "Blog", "/b")
    fetch(store)
    content = tmp_path / "content"
    first, reactions, mentions = write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    second, *_ = write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    assert first == second and len(list((content / "articles").glob("*.md"))) == 1
    text = first.read_text(encoding="utf-8")
    monday = today.date() - dt.timedelta(days=today.weekday())
    assert text.startswith("Title: Échos de la communauté — semaine du ")
    assert f"Slug: echos-de-la-communaute-{monday.isoformat()}" in text and "Status: draft" in text
    assert "## Réactions aux articles" in text and "{filename}/articles/ecouter-avant-de-parler.md" in text
    assert "## On parle de nous" in text and "Bravo Nénufar" in text
    assert (reactions, mentions) == (1, 1)
    published = text.replace("Status: draft\n", "")  # the author published it: never rewritten
    first.write_text(published, encoding="utf-8")
    from reactions.digest import DigestError

    with pytest.raises(DigestError, match="est déjà publié"):
        write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    assert first.read_text(encoding="utf-8") == published


def test_the_build_shows_ils_en_parlent_from_the_data_file(build_site):
    from test_discussion import ARTICLE, SLUG

    data = {SLUG: [{"author": "Lena <b>", "source": "Blog de Lena", "date": "2026-11-21T10:00:00+01:00",
                    "title": "Réponse", "excerpt": "Très juste <script>alert(1)</script>",
                    "link": "javascript:alert(2)"},
                   {"author": "Paul", "source": "Forum", "date": "", "title": "Sujet", "excerpt": "",
                    "link": "https://forum.exemple.fr/t/1"}]}
    site = build_site({"articles/avenir.md": ARTICLE, "echos.json": json.dumps(data)})
    section = site.soup(f"{SLUG}/index.html").select_one("section.reactions")
    assert section.h2.get_text() == "Ils en parlent"
    items = section.select("li")
    assert "Lena <b>" in items[0].get_text() and items[0].find("a") is None  # text, and no javascript: link
    assert "21 novembre 2026" in items[0].get_text()
    assert items[1].find("a")["href"] == "https://forum.exemple.fr/t/1"
    assert "<script" not in str(section)


def test_cli_opml_fetch_status_and_digest(project, httpserver):
    from conftest import write_content
    from test_cli import invoke

    write_content(project / "content", {"articles/avenir.md": (
        "Title: L'avenir est aux communautés\nDate: 2026-11-20 08:30\nCategory: Communautés\n\nTexte.\n")})
    import datetime as dt

    date = dt.datetime.now(dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    httpserver.expect_request("/feed").respond_with_data(rss(item(
        "Ma réponse", "https://blog.exemple.fr/r", '<a href="https://nenufar.example/l-avenir-est-aux-communautes/">x</a>',
        guid="r", date=date)), content_type="application/rss+xml")
    httpserver.expect_request("/parti").respond_with_data("", status=410)
    outside = project / "lecteur.opml"
    outside.write_text(f"""<?xml version="1.0"?><opml version="2.0"><head><title>Export</title></head><body>
<outline text="Dossier"><outline type="rss" text="Blog de Lena" xmlUrl="{httpserver.url_for('/feed')}" category="blog"/>
<outline type="rss" text="Parti" xmlUrl="{httpserver.url_for('/parti')}"/></outline></body></opml>""",
                       encoding="utf-8")
    done = invoke(project, "reactions.import-opml", str(outside))
    assert done.returncode == 0, done.stderr
    assert "2 sources ajoutées, 2 au total dans reactions/sources.opml" in done.stdout
    fetched = invoke(project, "reactions.fetch")
    assert fetched.returncode == 1, fetched.stderr  # a source failed (410): said, and the exit status says it
    assert "2 sources\u00a0: 1 lue, 0 inchangée, 0 en attente ou désactivée, 1 en erreur\u202f; 1 nouvelle entrée." in fetched.stdout and "1 nouvelle entrée" in fetched.stdout
    assert "Parti (" in fetched.stderr and "410 Gone" in fetched.stderr
    assert "1 source en échec\u202f; les autres ont été relevées" in fetched.stderr
    again = invoke(project, "reactions.fetch")  # the gone source is now disabled: nothing failed
    assert again.returncode == 0, again.stderr
    assert "1 en attente ou désactivée, 0 en erreur" in again.stdout
    status = invoke(project, "reactions.status")
    assert "Parti [other] — désactivée" in status.stdout and "Blog de Lena [blog] — active" in status.stdout
    digest = invoke(project, "digest", "--since", "7d")
    assert digest.returncode == 0, digest.stderr
    assert "(1 réaction, 0 mention, en brouillon)" in digest.stdout
    assert (project / "content" / "echos.json").exists()
    built = invoke(project, "build")
    assert built.returncode == 0, built.stderr
    page = (project / "output" / "l-avenir-est-aux-communautes" / "index.html").read_text(encoding="utf-8")
    assert "Ils en parlent" in page and "Blog de Lena" in page
    exported = project / "export.opml"
    assert invoke(project, "reactions.export-opml", str(exported)).returncode == 0
    assert "Blog de Lena" in exported.read_text(encoding="utf-8")
    bad = project / "faux.opml"
    bad.write_text('<opml><body><outline xmlUrl="ftp://x" /></body></opml>', encoding="utf-8")
    refused = invoke(project, "reactions.import-opml", str(bad))
    assert refused.returncode == 1 and "adresse «\u202fftp://x\u202f» invalide" in refused.stderr


def test_parsing_in_worker_processes_gives_the_same_entries(store, httpserver):
    """Large sets of sources are parsed in worker processes; the result must not change."""
    for number in range(3):
        httpserver.expect_request(f"/w{number}").respond_with_data(rss(
            item(f"Entrée {number}", f"https://f.exemple/{number}", "<p>Texte accentué é</p>", guid=f"w{number}")),
            content_type="application/rss+xml")
        add(store, httpserver, f"W{number}", f"/w{number}")
    results = fetch(store, workers=2)
    assert all(r.status == "ok" for r in results.values())
    assert sorted(e.excerpt for e in store.entries()) == ["Texte accentué é"] * 3


def test_gzip_responses_are_read(store, httpserver):
    import gzip

    body = gzip.compress(rss(item("Entrée compressée, accentuée", "https://f.exemple/g", "Texte", guid="g")))
    httpserver.expect_request("/gz").respond_with_data(body, content_type="application/rss+xml",
                                                       headers={"Content-Encoding": "gzip"})
    add(store, httpserver, "Compressé", "/gz")
    assert fetch(store)["Compressé"].status == "ok"
    assert [e.title for e in store.entries()] == ["Entrée compressée, accentuée"]


def test_a_webmention_endpoint_export_is_a_source_too(store, httpserver):
    export = {"type": "feed", "children": [{"type": "entry", "wm-id": 7, "wm-property": "in-reply-to",
              "wm-target": "https://nenufar.example/l-avenir-est-aux-communautes/",
              "url": "https://lena.exemple/r", "published": "2026-11-21T10:00:00+01:00",
              "author": {"name": "Lena"}, "content": {"text": "Je réponds <script>."}}]}
    httpserver.expect_request("/wm").respond_with_data(json.dumps(export), content_type="application/json")
    add(store, httpserver, "Webmentions", "/wm", kind="webmentions")
    assert fetch(store)["Webmentions"].status == "ok"
    entry = store.entries()[0]
    assert entry.author == "Lena" and entry.articles == ("l-avenir-est-aux-communautes",)
    assert entry.excerpt == "Je réponds <script>."  # plain text: escaped where it is shown

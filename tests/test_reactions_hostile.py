"""Hostile and unusual sources on a real loopback server, next to good ones (issue 11).

Each case is one source among others in the same run: whatever it sends, it
ends as that source's French error or note, and the good sources' entries are
stored by the same run. Then the OPML as the truth (removals, redirects,
merges), matching as a reader would, and data never destroyed silently.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import sqlite3
import time
import zlib

import pytest
from werkzeug.wrappers import Response

from reactions import sources
from reactions.config import Limits
from reactions.digest import DigestError, write_data, write_digest
from reactions.fetch import fetch_all, retry_after
from reactions.match import Matcher, fold
from reactions.opml import Feed
from reactions.parse import Entry, plain
from reactions.store import Store
from test_reactions import ARTICLES, INDEX, MATCHER, SITE  # the same site and matcher

NBSP, NNBSP = "\u00a0", "\u202f"
TODAY = dt.datetime.now(dt.timezone.utc)
RFC822 = TODAY.strftime("%a, %d %b %Y %H:%M:%S +0000")


def rss(items: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog</title>'
            f"<link>https://blog.exemple.fr/</link>{items}</channel></rss>").encode()


def item(title, link, body="", guid=None, date=RFC822):
    return (f"<item><title>{title}</title><link>{link}</link>" + (f"<guid>{guid}</guid>" if guid else "")
            + (f"<pubDate>{date}</pubDate>" if date else "") + f"<description><![CDATA[{body}]]></description></item>")


GOOD_RSS = rss(item("Réponse de Marion", "https://marion.exemple/r1",
                    f'<p>Lu <a href="{SITE}/l-avenir-est-aux-communautes/">ce texte</a>.</p>', guid="m1"))
GOOD_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
    {"id": 7, "url": "https://jules.exemple/j1", "title": "Écouter avant de parler, vraiment",
     "content_text": "Oui.", "date_published": TODAY.isoformat()}]}).encode()


@pytest.fixture
def server(threaded_server):
    return threaded_server


@pytest.fixture
def store(reactions_store):
    return reactions_store


def run(store, feeds: list[Feed], workers=None, **limits):
    """What `invoke reactions.fetch` does: sync with the OPML, plan, fetch. (Sync, Report)."""
    from concurrent.futures import ThreadPoolExecutor

    synced = sources.sync(store, feeds)
    plan = sources.plan(synced.listed)
    with ThreadPoolExecutor(1) as pool:  # a thread of its own: the session's browser may hold this one's loop
        report = pool.submit(asyncio.run, fetch_all(store, plan, MATCHER, Limits(**limits), workers=workers)).result()
    return synced, report


def by_name(report):
    return {r.source.name: r for r in report.results}


def gzip_bomb(size: int) -> bytes:
    """gzip(gzip(`size` zero bytes)), built without holding `size` bytes."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [inner.compress(block) for _ in range(size >> 20)] + [inner.flush()]
    return gzip.compress(b"".join(parts), 9)


def test_hostile_sources_fail_alone_and_good_ones_are_stored_in_the_same_run(store, server):
    hostile = {}

    def serve(name, handler=None, **response):
        path = f"/{name}"
        if handler:
            server.expect_request(path).respond_with_handler(handler)
        else:
            server.expect_request(path).respond_with_data(**response)
        hostile[name] = server.url_for(path)

    server.expect_request("/bon.xml").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    server.expect_request("/bon.json").respond_with_data(GOOD_JSON, content_type="application/feed+json")
    serve("bombe", response_data=gzip_bomb(64 << 20), content_type="application/rss+xml",
          headers={"Content-Encoding": "gzip, gzip"})
    serve("port", response_data=rss(item("Port étrange", "http://exemple.fr:abc/x",
                                         '<a href="http://nenufar.example:xyz/">là</a>', guid="p1")))
    serve("attente-date", response_data="", status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 -0000"})
    serve("attente-enorme", response_data="", status=429, headers={"Retry-After": "99999999999999999"})
    serve("attente-passee", response_data="", status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    serve("liste", response_data=b"[]", content_type="application/feed+json")
    serve("types", response_data=json.dumps({"version": "1.1", "items": [
        {"id": "t1", "title": 12, "url": "https://x.exemple/1"},
        {"id": "t2", "url": 3},
        {"id": "t3", "content_html": 4.5},
        {"id": "t4", "authors": ["bob"]},
        {"id": "t5", "title": "Bonne entrée", "url": "https://x.exemple/5"}]}), content_type="application/json")
    serve("vide", response_data=b"", content_type="application/rss+xml")
    serve("profond", response_data=b"[" * 100_000, content_type="application/json")
    serve("redirection-js", response_data="", status=301, headers={"Location": "javascript:alert(1)"})
    serve("brotli", response_data=b"\x0b\x02\x80abc\x03", headers={"Content-Encoding": "br"})
    serve("faux-gzip", response_data=b"pas du gzip", headers={"Content-Encoding": "gzip"})
    serve("page-html", response_data=b"<!doctype html><html><body><p>Bonjour</p></body></html>",
          content_type="text/html")
    serve("pas-xml", response_data=b"<<<>>>", content_type="application/rss+xml")
    serve("geant", response_data=rss(item("T" * 100_000, "https://g.exemple/1", "x" * 300_000, guid="g" * 5000)))
    serve("foule", response_data=rss("".join(item(f"N{i}", f"https://f.exemple/{i}", guid=f"f{i}")
                                             for i in range(500))))
    serve("etag", handler=lambda request: Response(rss(item("Étiquette", "https://e.exemple/1", guid="e1")),
                                                   headers={"ETag": '"a\tb' + "x" * 300 + '"'},
                                                   content_type="application/rss+xml"))

    def drip(request):
        def body():
            yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
            for _ in range(20):
                time.sleep(0.2)
                yield b" "
        return Response(body(), content_type="application/rss+xml")

    serve("goutte", handler=drip)
    feeds = [Feed(server.url_for("/bon.xml"), "Bon RSS", "blog"), Feed(server.url_for("/bon.json"), "Bon JSON", "blog")]
    feeds += [Feed(url, name, "other") for name, url in hostile.items()]
    started = time.perf_counter()
    _, report = run(store, feeds, timeout=1.5, source_time=2, max_entries=50)
    assert time.perf_counter() - started < 15
    results = by_name(report)
    assert set(results) == {f.name for f in feeds}  # one result per source, none lost
    assert results["Bon RSS"].status == "ok" and results["Bon JSON"].status == "ok"
    titles = {e.title: e for e in store.entries()}
    assert titles["Réponse de Marion"].articles == ("l-avenir-est-aux-communautes",)
    assert titles["Écouter avant de parler, vraiment"].articles == ("ecouter-avant-de-parler",)
    assert not any(r.unexpected for r in report.results), [(r.source.name, r.error, r.notes) for r in report.results]
    error = {name: results[name].error for name in results}
    assert "trop volumineuse" in error["bombe"] and "décompressée" in error["bombe"] and results["bombe"].step == "decode"
    assert results["port"].status == "ok" and titles["Port étrange"].link is None  # not an address: no link
    assert "503" in error["attente-date"] and "pas de nouvelle demande avant le" in error["attente-date"]
    assert "429" in error["attente-enorme"]
    assert error["attente-passee"] == "503 (service indisponible)"  # a date in the past: no wait announced
    assert error["liste"] == f"JSON Feed de forme inattendue{NBSP}: (racine){NBSP}: attendu un objet, trouvé une liste ([])"
    assert results["types"].status == "ok" and "Bonne entrée" in titles
    assert results["types"].notes == (f"4 entrées sur 5 ignorées, de forme inattendue (items[0].title{NBSP}: "
                                      "attendu un texte, trouvé un nombre (12))",)
    assert error["vide"].startswith("réponse vide")
    assert error["profond"] == f"JSON illisible{NBSP}: imbrication trop profonde"
    assert error["redirection-js"].startswith("redirection vers une adresse refusée")
    assert error["brotli"] == "compression non prise en charge (br)"
    assert error["faux-gzip"] == "réponse compressée illisible (gzip)"
    assert error["page-html"].startswith("c’est une page web, pas un flux")
    assert error["pas-xml"].startswith(f"flux illisible{NBSP}: XML mal formé (ligne ")
    giant = next(e for e in store.entries() if e.link == "https://g.exemple/1")
    assert len(giant.title) == 300 and len(giant.excerpt) <= 300 and len(giant.key) < 100
    assert results["foule"].read == 50 and "seules les 50 premières sont lues" in results["foule"].notes[0]
    assert results["etag"].status == "ok"
    assert error["goutte"].startswith("temps total dépassé") or error["goutte"].startswith("délai dépassé")
    for result in report.results:  # French, without the libraries' English
        for text in (result.error, *result.notes):
            assert "Error" not in text and "line " not in text and "Errno" not in text, text
    assert {r.source.name for r in report.failed} == {
        "bombe", "attente-date", "attente-enorme", "attente-passee", "liste", "vide", "profond", "redirection-js",
        "brotli", "faux-gzip", "page-html", "pas-xml", "goutte"}

    state = {s.name: s for s in store.sources()}
    for name in ("attente-date", "attente-enorme"):  # stored aware, bounded
        until = state[name].retry_after
        assert until.tzinfo is not None and until <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7, minutes=1)
    assert state["attente-passee"].retry_after is None
    assert state["etag"].etag is None  # not a value that can be sent back
    raw = dict(store.db.execute("SELECT name, retry_after FROM sources WHERE retry_after IS NOT NULL"))
    assert all(value.endswith("+00:00") for value in raw.values())

    # Every later run too: the waiting sources are skipped, nothing compares naive with aware.
    _, again = run(store, feeds, timeout=1.5, source_time=2, max_entries=50)
    later = by_name(again)
    assert later["attente-date"].status == "skipped" and later["attente-enorme"].status == "skipped"
    assert "jusqu’au" in later["attente-date"].error and "2099" not in later["attente-date"].error
    assert later["Bon RSS"].status == "ok" and later["attente-passee"].status == "error"
    assert later["etag"].status == "ok"


def test_a_decompression_bomb_stops_at_the_limit_in_bounded_memory(store, server):
    import tracemalloc

    bomb = gzip_bomb(1 << 30)  # 1 GiB of zeros, twice gzipped
    assert len(bomb) < 10_000
    server.expect_request("/bombe").respond_with_data(bomb, content_type="application/rss+xml",
                                                      headers={"Content-Encoding": "gzip, gzip"})
    tracemalloc.start()
    try:
        _, report = run(store, [Feed(server.url_for("/bombe"), "Bombe", "other")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "trop volumineuse" in report.results[0].error
    assert peak < 40 * 1024 * 1024, peak  # the 5 MB limit and a few chunks, never the gigabyte


def test_retry_after_is_aware_bounded_and_never_in_the_past():
    at = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone.utc)
    assert retry_after("120", at) == at + dt.timedelta(seconds=120)
    assert retry_after("99999999999999999", at) == at + dt.timedelta(days=7)
    assert retry_after("Sat, 21 Nov 2026 12:00:00 -0000", at) == at + dt.timedelta(hours=2)
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", at) == at
    assert retry_after("Fri, 31 Dec 9999 23:59:59 +1400", at) == at + dt.timedelta(days=7)
    assert retry_after("n’importe quoi", at) == at + dt.timedelta(hours=1)
    assert all(retry_after(v, at).tzinfo is not None for v in ("", "1", "Sat, 21 Nov 2026 12:00:00 -0000"))


# The OPML is the truth ----------------------------------------------------------------------


def test_removed_sources_stop_being_fetched_and_keep_their_entries(store, server):
    asked = []

    def feed(name):
        def handler(request):
            asked.append(name)
            return Response(rss(item(f"Entrée de {name}", f"https://{name}.exemple/1", guid=name)),
                            content_type="application/rss+xml")
        return handler

    for name in ("a", "b"):
        server.expect_request(f"/{name}").respond_with_handler(feed(name))
    a, b = Feed(server.url_for("/a"), "A", "blog"), Feed(server.url_for("/b"), "B", "blog")
    synced, _ = run(store, [a, b])
    assert [s.name for s in synced.added] == ["A", "B"] and sorted(asked) == ["a", "b"]
    asked.clear()
    synced, report = run(store, [a])
    assert [s.name for s in synced.removed] == ["B"] and asked == ["a"]
    assert [r.source.name for r in report.results] == ["A"]
    assert {e.source_name for e in store.entries()} == {"A", "B"}  # B's entries stay attributed
    synced, _ = run(store, [a, b])  # put back: fetched again
    assert [s.name for s in synced.restored] == ["B"] and "b" in asked
    assert len(store.sources()) == 2


def test_a_permanent_redirect_to_a_listed_address_merges_and_never_collides(store, server):
    """The http:// and https:// of one feed, both in the OPML: the first redirects to the second."""
    server.expect_request("/http").respond_with_data("", status=301, headers={"Location": server.url_for("/https")})
    server.expect_request("/https").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    feeds = [Feed(server.url_for("/http"), "Marion (http)", "blog"), Feed(server.url_for("/https"), "Marion", "blog")]
    _, report = run(store, feeds)
    results = by_name(report)
    assert not report.failed
    assert results["Marion (http)"].status == "merged"
    assert "fusionnées" in results["Marion (http)"].notes[0] and "retirez-la de sources.opml" in results[
        "Marion (http)"].notes[0]
    for _ in range(2):  # later runs: no IntegrityError, the twin is not asked again
        _, report = run(store, feeds)
        assert not report.failed and by_name(report)["Marion (http)"].status == "merged"
    assert [e.title for e in store.entries()] == ["Réponse de Marion"]
    assert len(store.sources()) == 2


def test_after_any_permanent_redirect_the_opml_address_stays_the_source(store, server):
    server.expect_request("/ancien").respond_with_data("", status=301, headers={"Location": "/nouveau"})
    server.expect_request("/nouveau").respond_with_data(GOOD_RSS, content_type="application/rss+xml",
                                                        headers={"ETag": '"v1"'})
    feeds = [Feed(server.url_for("/ancien"), "Déménagé", "blog")]
    _, report = run(store, feeds)
    assert report.results[0].status == "ok" and "adresse mise à jour" in report.results[0].notes[0]
    for _ in range(2):
        synced, report = run(store, feeds)
        assert not synced.added and not report.failed
    (source,) = store.sources()
    assert source.origin == server.url_for("/ancien") and source.url == server.url_for("/nouveau")


def test_a_redirect_to_the_opml_address_of_a_moved_source_merges(store, server):
    server.expect_request("/c").respond_with_data("", status=301, headers={"Location": "/d"})
    server.expect_request("/d").respond_with_data("", status=308, headers={"Location": "/e"})
    server.expect_request("/e").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    d = Feed(server.url_for("/d"), "D", "blog")
    run(store, [d])  # D moves to /e
    _, report = run(store, [d, Feed(server.url_for("/c"), "C", "blog")])  # C redirects to D's OPML address
    results = by_name(report)
    assert results["C"].status == "merged" and not report.failed


def test_an_old_store_is_migrated_and_its_poison_is_harmless(tmp_path, server):
    """Version 1: url UNIQUE was both addresses; a naive Retry-After; a redirect already applied."""
    path = tmp_path / "reactions.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
CREATE TABLE sources (id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'other', html_url TEXT, etag TEXT, last_modified TEXT, disabled TEXT, retry_after TEXT,
  last_error TEXT, last_error_at TEXT, last_ok_at TEXT, fetches INTEGER NOT NULL DEFAULT 0);
CREATE TABLE entries (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id), key TEXT NOT NULL,
  guid TEXT, link TEXT, title TEXT, author TEXT, published TEXT, first_seen TEXT NOT NULL, week TEXT, excerpt TEXT,
  links TEXT NOT NULL DEFAULT '[]', articles TEXT NOT NULL DEFAULT '[]', keywords TEXT NOT NULL DEFAULT '[]',
  UNIQUE (source_id, key));""")
    db.execute("INSERT INTO sources (id, url, name, kind, retry_after, fetches) VALUES (1, ?, 'Attente', 'blog', "
               "'2015-01-01T00:00:00', 1)", (server.url_for("/attente"),))
    db.execute("INSERT INTO sources (id, url, name, kind, fetches) VALUES (2, ?, 'Déménagé', 'blog', 1)",
               (server.url_for("/nouveau"),))
    db.execute("INSERT INTO entries (source_id, key, title, link, published, first_seen, week) VALUES "
               "(2, 'guid:x', 'Ancienne', 'https://x.exemple/1', '2026-11-20T10:00:00+01:00', "
               "'2026-11-20T10:00:00+00:00', '2026-11-20T10:00:00+01:00')")
    db.commit()
    db.close()
    server.expect_request("/attente").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    server.expect_request("/ancien").respond_with_data("", status=301, headers={"Location": "/nouveau"})
    server.expect_request("/nouveau").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    store = Store(path)
    try:
        feeds = [Feed(server.url_for("/attente"), "Attente", "blog"), Feed(server.url_for("/ancien"), "Déménagé", "blog")]
        _, report = run(store, feeds)
        assert not report.failed, [(r.source.name, r.error) for r in report.results]
        old = next(e for e in store.entries() if e.title == "Ancienne")
        assert old.week == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
        _, report = run(store, feeds)
        assert not report.failed
    finally:
        store.close()


# Matching a person would agree with ---------------------------------------------------------


def entry(title="", text="", links=(), link=None):
    return Entry(guid=None, link=link, title=title, author="", published=None, text=text, excerpt=text[:300],
                 links=tuple(links))


@pytest.mark.parametrize("written", [
    "L’avenir est aux communautés", "L'avenir est aux communautés", "l\u02bcavenir est aux communautés",
    "« L’avenir est aux communautés »", "L’avenir\u00a0est\u202faux\u2009communautés",
    "Relu : L’AVENIR EST AUX COMMUNAUTÉS — merci", "“L'avenir est aux communautés”"])
def test_titles_match_whatever_the_apostrophes_quotes_dashes_and_spaces(written):
    assert MATCHER.articles(entry(text=f"Je recommande {written} à tous.")) == ["l-avenir-est-aux-communautes"]


def test_folding_never_glues_words():
    assert fold("L’avenir") == fold("L'avenir") == " l avenir "
    assert fold("Écouter—avant–de‑parler") == " ecouter avant de parler "
    assert fold("cœur") == " coeur " and fold("a\u00a0b\u202fc") == " a b c "
    assert MATCHER.articles(entry(text="Lavenir est aux communautés")) == []  # no false friend either


def test_a_link_with_a_port_that_is_not_a_number_matches_nothing():
    found = MATCHER.articles(entry(links=["http://nenufar.example:abc/l-avenir-est-aux-communautes/",
                                          "http://[::1/x", f"{SITE}/ecouter-avant-de-parler/"]))
    assert found == ["ecouter-avant-de-parler"]


def test_excerpts_keep_word_boundaries_between_blocks_and_at_line_breaks():
    assert plain("<p>Premier.</p><p>Second</p><ul><li>un</li></ul>Fin<br>ligne") == "Premier. Second un Fin ligne"
    assert plain("a<BR/>b<div>c</div>d<h2>e</h2><td>f</td>") == "a b c d e f"
    assert plain("<b>gr</b>as, <em>ita</em>lique") == "gras, italique"  # inline tags join as written


def test_an_entry_counts_once_across_sources(store, server, tmp_path):
    """A feed, its mirror and a planet carry the same item: one reaction, one echo."""
    link = "https://marion.exemple/2026/reponse"
    body = f'<a href="{SITE}/l-avenir-est-aux-communautes/">ce texte</a> — Nénufar'
    for path, url in (("/flux", link), ("/miroir", f"{link}/?utm_source=miroir"),
                      ("/planete", link.replace("https://", "http://www."))):
        server.expect_request(path).respond_with_data(rss(item("Réponse", url, body, guid=path)),
                                                      content_type="application/rss+xml")
    feeds = [Feed(server.url_for(p), n, "blog") for p, n in (("/flux", "Flux"), ("/miroir", "Miroir"),
                                                              ("/planete", "Planète"))]
    run(store, feeds)
    assert len(store.entries()) == 3  # stored per source: attribution kept
    content = tmp_path / "content"
    digest = write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    assert digest.reactions == 1 and digest.path.read_text(encoding="utf-8").count("[Lire]") == 1
    data = write_data(store, INDEX, content)
    assert data.added == 1
    assert len(json.loads(data.path.read_text(encoding="utf-8"))["l-avenir-est-aux-communautes"]) == 1


# Data is never destroyed silently --------------------------------------------------------------


def test_echos_json_is_merged_never_replaced_by_nothing(store, server, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    demo = {"l-avenir-est-aux-communautes": [
        {"author": "Gaëlle", "source": "Carnet", "date": "2026-09-16T18:20:00+02:00", "title": "Des lecteurs",
         "excerpt": "Écrit à la main.", "link": "https://carnet.exemple/lecteurs/"}]}
    (content / "echos.json").write_text(json.dumps(demo, ensure_ascii=False), encoding="utf-8")
    before = (content / "echos.json").read_bytes()
    empty = write_data(store, INDEX, content)  # a fresh clone: the store is empty
    assert (empty.written, empty.added, empty.kept) == (False, 0, 1)
    assert (content / "echos.json").read_bytes() == before
    server.expect_request("/b").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    run(store, [Feed(server.url_for("/b"), "Blog", "blog")])
    merged = write_data(store, INDEX, content)
    assert (merged.written, merged.added, merged.kept) == (True, 1, 1)
    items = json.loads((content / "echos.json").read_text(encoding="utf-8"))["l-avenir-est-aux-communautes"]
    assert [i["title"] for i in items] == ["Réponse de Marion", "Des lecteurs"]  # newest first, the old one kept
    assert write_data(store, INDEX, content).written is False  # nothing new: untouched
    (content / "echos.json").write_text("{ pas du json", encoding="utf-8")
    with pytest.raises(DigestError, match="illisible .*il n’est pas remplacé"):
        write_data(store, INDEX, content)
    assert (content / "echos.json").read_text(encoding="utf-8") == "{ pas du json"


def test_the_digest_draft_is_replaced_only_while_untouched(store, tmp_path):
    content = tmp_path / "content"
    first = write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    text = first.path.read_text(encoding="utf-8")
    assert "Rien de neuf" in text and "[//]: # (Pour l’autrice" in text
    assert write_digest(store, INDEX, content, since=dt.timedelta(days=7)).path == first.path  # untouched: replaced
    first.path.write_text(text.replace("Rien de neuf", "Mon mot : rien de neuf"), encoding="utf-8")
    with pytest.raises(DigestError, match="a été modifié"):
        write_digest(store, INDEX, content, since=dt.timedelta(days=7))
    assert "Mon mot" in first.path.read_text(encoding="utf-8")


def test_the_instructions_for_the_author_are_never_shown(build_site, store):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        made = write_digest(store, INDEX, Path(folder), since=dt.timedelta(days=7))
        text = made.path.read_text(encoding="utf-8").replace("Status: draft\n", "")  # the author publishes it
        name = made.path.name
    site = build_site({f"articles/{name}": text})
    slug = name.removesuffix(".md")
    page = site.soup(f"{slug}/index.html")
    shown = page.get_text(" ")
    assert "Chaque semaine" in shown
    assert "Status" not in shown and "relisez" not in shown.lower() and "Empreinte" not in shown
    for path in site.all_files():  # nor anywhere in the output: pages, feeds, listings, search index
        if path.suffix in (".html", ".xml", ".json", ".txt"):
            published = path.read_text(encoding="utf-8", errors="replace")
            assert "retirez la ligne" not in published and "Empreinte" not in published, path


def test_a_parse_past_its_source_time_is_stopped_and_the_next_source_parsed(store, server):
    """feedparser takes seconds on a run of nested tags: the worker is killed at the source's
    time, replaced, and the other sources are parsed all the same (one worker: the same slot)."""
    server.expect_request("/lent.xml").respond_with_data(
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><description>' + b"<a>" * 600_000,
        content_type="application/rss+xml")
    for number in range(3):
        server.expect_request(f"/bon{number}.xml").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    feeds = [Feed(server.url_for("/lent.xml"), "Lent", "blog")]
    feeds += [Feed(server.url_for(f"/bon{n}.xml"), f"Bon {n}", "blog") for n in range(3)]
    started = time.perf_counter()
    _, report = run(store, feeds, workers=1, source_time=1.0, max_bytes=5 << 20)
    results = by_name(report)
    assert results["Lent"].error.startswith("analyse trop longue") and results["Lent"].step == "parse"
    assert all(results[f"Bon {n}"].status == "ok" for n in range(3))
    assert time.perf_counter() - started < 10


# The author's commands ------------------------------------------------------------------------


def test_cli_status_lists_every_source_with_french_dates_and_digest_keeps_the_echoes(project, server):
    import shutil

    from conftest import ROOT
    from test_cli import invoke

    shutil.copy(ROOT / "content" / "echos.json", project / "content" / "echos.json")  # the demo's echoes
    demo = (project / "content" / "echos.json").read_bytes()
    server.expect_request("/bon.xml").respond_with_data(GOOD_RSS, content_type="application/rss+xml")
    server.expect_request("/pause.xml").respond_with_data("", status=503, headers={"Retry-After": "7200"})
    (project / "reactions").mkdir()
    (project / "reactions" / "sources.opml").write_text(f"""<?xml version="1.0"?><opml version="2.0"><body>
<outline type="rss" text="Bon" xmlUrl="{server.url_for('/bon.xml')}" category="blog"/>
<outline type="rss" text="Pause" xmlUrl="{server.url_for('/pause.xml')}" category="blog"/>
</body></opml>""", encoding="utf-8")
    status = invoke(project, "reactions.status")  # nothing fetched yet: every source listed all the same
    assert status.returncode == 0, status.stderr
    assert f"Bon [blog] — jamais relevée — dernière relève réussie{NBSP}: jamais" in status.stdout
    assert "Pause [blog] — jamais relevée" in status.stdout
    digest = invoke(project, "digest")  # a fresh clone: the store is empty, the demo's echoes stay
    assert digest.returncode == 0, digest.stderr
    assert f"echos.json inchangé{NBSP}: aucun nouvel écho (3 gardés)." in digest.stdout
    assert (project / "content" / "echos.json").read_bytes() == demo
    fetched = invoke(project, "reactions.fetch")
    assert fetched.returncode == 1 and "1 source en échec" in fetched.stderr
    assert f"Pause ({server.url_for('/pause.xml')}){NBSP}: 503 (service indisponible){NBSP}: pas de nouvelle " \
           "demande avant le " in fetched.stderr
    status = invoke(project, "reactions.status")
    line = next(l for l in status.stdout.splitlines() if l.startswith("Pause"))
    assert "en attente jusqu’au " in line and f"{NBSP}h{NBSP}" in line and "+00:00" not in line
    assert "T" not in line.split("jusqu’au ")[1][:20]  # a French date, not an ISO timestamp
    assert "Bon [blog] — active — dernière relève réussie" in status.stdout and "— 1 entrée" in status.stdout
    (project / "reactions" / "sources.opml").write_text(f"""<?xml version="1.0"?><opml version="2.0"><body>
<outline type="rss" text="Bon" xmlUrl="{server.url_for('/bon.xml')}" category="blog"/></body></opml>""",
                                                        encoding="utf-8")
    fetched = invoke(project, "reactions.fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert f"Pause ({server.url_for('/pause.xml')}){NBSP}: retirée de sources.opml" in fetched.stdout
    status = invoke(project, "reactions.status")
    assert "Pause [blog] — retirée de sources.opml (ses entrées restent)" in status.stdout


def test_an_unforeseen_failure_at_any_step_is_that_sources_error(store, server, monkeypatch):
    """Isolation as a rule: a bug in matching or a store that refuses one source's write
    ends as that source's error, named by its step; the other sources are stored."""
    import sqlite3 as sqlite

    class Fragile(Matcher):
        def articles(self, entry, folded=None):
            if "piège" in entry.title:
                raise RuntimeError("boom")
            return super().articles(entry, folded)

    for name, title in (("bon", "Réponse de Marion"), ("piege", "Un piège"), ("plein", "Disque plein")):
        server.expect_request(f"/{name}").respond_with_data(
            rss(item(title, f"https://{name}.exemple/1", guid=name)), content_type="application/rss+xml")
    save = Store.save_entries

    def refusing(self, source_id, rows, fields):
        if any(r["title"] == "Disque plein" for r in rows):
            raise sqlite.OperationalError("database or disk is full")
        return save(self, source_id, rows, fields)

    monkeypatch.setattr(Store, "save_entries", refusing)
    monkeypatch.setitem(globals(), "MATCHER", Fragile(ARTICLES, ["Nénufar"]))
    _, report = run(store, [Feed(server.url_for(f"/{n}"), n, "blog") for n in ("bon", "piege", "plein")])
    results = by_name(report)
    assert results["bon"].status == "ok"
    assert results["piege"].error == f"erreur inattendue à l’étape «{NNBSP}rapprochement{NNBSP}» (RuntimeError)"
    assert results["plein"].error == f"erreur inattendue à l’étape «{NNBSP}enregistrement{NNBSP}» (OperationalError)"
    assert results["piege"].unexpected and results["piege"].notes[0].startswith(f"détail technique{NBSP}: RuntimeError")
    assert [e.title for e in store.entries()] == ["Réponse de Marion"]
    state = {s.name: s for s in store.sources()}
    assert state["plein"].last_error.startswith("erreur inattendue") and state["plein"].fetches == 0


def test_opml_problems_are_said_in_french(tmp_path):
    from reactions.opml import OpmlError, read

    with pytest.raises(OpmlError, match=r"OPML illisible \(fichier introuvable\)"):
        read(tmp_path / "absent.opml")
    broken = tmp_path / "casse.opml"
    broken.write_text("<opml><body><outline", encoding="utf-8")
    with pytest.raises(OpmlError, match=r"OPML illisible \(XML mal formé, ligne 1, colonne \d+\)"):
        read(broken)
    with pytest.raises(OpmlError, match="c’est un dossier"):
        read(tmp_path)

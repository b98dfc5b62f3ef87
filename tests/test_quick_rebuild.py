"""livereload's quick path: a saved article's page in place before the full build,
the same bytes the full build then writes, and nothing it cannot vouch for.

The page the quick path puts in place must be the page the full build writes
(the build follows and is compared with it), and the site after that build the
site a serial build with every cache off makes. An edit that other pages show
(a title, a summary, a reading time) puts in place every page that shows it,
and the full build changes no other. A draft, which no other page shows, is
added, moved or removed by its own page alone. Whatever moves a published text
in a list (its date, tags, status, address), a mistake, a new or deleted
published file, a leak: no quick page, the full build decides. A failed full
build puts the quick page back, so the previous site stays whole.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, site_settings, tree
from publishing.build import BuildError, build
from publishing.quick import LiveSite
from test_build_identity import assert_same, corpus, no_keys  # noqa: F401 (no_keys: autouse, no tier keys)


@pytest.fixture
def live(tmp_path):
    content = corpus(tmp_path, count=30)
    site = LiveSite(site_settings(tmp_path / "live", content, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True))
    site.build()
    return site, content, Path(site.settings["OUTPUT_PATH"])


def edit(path: Path, change) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def page_of(output: Path, number: int) -> Path:
    return output / f"article-de-banc-d-essai-numero-{number}" / "index.html"


def reserved_sentence(path: Path) -> str:
    """A sentence of the first reserved part of a generated gated article."""
    reserved = path.read_text(encoding="utf-8").split("<!-- tier: abonnes -->", 1)[1]
    return next(line for line in reserved.splitlines() if len(line.split()) > 12).split(". ")[0]


EDITS = [  # (article, change): what an author does while writing
    (3, lambda t: t + "\nUne phrase ajoutée à la fin : « enfin » !\n"),
    (10, lambda t: t.replace("<!-- tier: abonnes -->", "<!-- tier: abonnes -->\n\nUne idée pour les abonnés seulement, "
                                                       "qui ne doit jamais paraître en public.\n", 1)),
    (7, lambda t: t.replace("## Partie 2", "## Partie deux, revue", 1)),
    (3, lambda t: t.replace("\n\n", "\n\nUne note ici[^n1].\n\n[^n1]: La note, écrite en passant.\n\n", 1)),
    (20, lambda t: t + "\nEt dans la partie du Cercle, un mot de plus.\n"),
]


def test_a_saved_article_is_in_place_at_once_and_the_full_build_agrees(live, tmp_path):
    site, content, output = live
    for number, change in EDITS:
        source = content / "articles" / f"banc-{number:03d}.md"
        edit(source, change)
        quick = site.quick([source])
        assert quick is not None, f"banc-{number:03d}.md did not take the quick path"
        page = f"article-de-banc-d-essai-numero-{number}/index.html"
        assert page in quick.pages
        assert any(name.startswith("feeds/rubrique-") for name in quick.pages)  # its category's feed
        written = {name: (output / name).read_bytes() for name in quick.pages}
        site.build()
        for name, data in written.items():
            assert (output / name).read_bytes() == data, f"banc-{number:03d}.md: the full build disagrees on {name}"
    assert "Une phrase ajoutée à la fin" in page_of(output, 3).read_text(encoding="utf-8")
    assert "Partie deux, revue" in page_of(output, 7).read_text(encoding="utf-8")
    assert "pour les abonnés seulement" not in page_of(output, 10).read_text(encoding="utf-8")
    # The site as a serial build with every cache off makes it (livereload builds without Pagefind).
    reference = site_settings(tmp_path / "reference", content, BUILD_PROCESSES=1, CACHE_CONTENT=False)
    build(reference)
    assert_same(output, Path(reference["OUTPUT_PATH"]))


MOVES = {  # what moves the text in a list, or gives it another address: every page that changes
    "title (its address comes from it)": lambda t: t.replace("Title: Article", "Title: Un article", 1),
    "date": lambda t: re.sub(r"Date: (\d{4})", lambda m: f"Date: {int(m.group(1)) - 1}", t, count=1),
    "date (the newest)": lambda t: re.sub(r"Date: .*", "Date: 2031-01-01 08:00", t, count=1),
    "tags": lambda t: t.replace("Tags: ", "Tags: nouveauté, ", 1),
    "category": lambda t: re.sub(r"Category: .*", "Category: Une rubrique neuve", t, count=1),
    "status": lambda t: t.replace("Summary: ", "Status: draft\nSummary: ", 1),
    "hidden": lambda t: t.replace("Summary: ", "Status: hidden\nSummary: ", 1),
    "slug": lambda t: t.replace("Summary: ", "Slug: une-autre-adresse\nSummary: ", 1),
}


def _changes(before: dict, after: dict) -> set:
    return {name for name in set(before) | set(after) if before.get(name) != after.get(name)}


def saved_then_built(site, output: Path, source: Path, change):
    """`change` saved to `source`, the quick path taken, then the full build: the pages the
    quick path wrote (their bytes), and the pages the edit changed, as the build left them."""
    before = tree(output)
    edit(source, change)
    quick = site.quick([source])
    assert quick is not None
    written = {name: (output / name).read_bytes() for name in quick.pages}
    site.build()
    changed = _changes(before, tree(output))
    assert changed - {"sitemap.xml"} <= set(quick.pages), "the full build changed pages the quick path left"
    for name, data in written.items():
        assert (output / name).read_bytes() == data, f"the full build disagrees on {name}"
    return changed


@pytest.mark.parametrize("what", MOVES)
def test_an_edit_that_moves_the_text_puts_every_changed_page_in_place(live, what):
    """The lists are made again as the build makes them, and every page whose template
    reads something that changed is written (the listings' pages it left or joined,
    and those its move shifted; its neighbours'; the archives; the feeds); a page no
    longer written (its old address, a tag or category left empty, a listing's last
    page) is taken away. The full build then changes nothing else."""
    site, content, output = live
    source = content / "articles" / "banc-004.md"
    before = tree(output)
    edit(source, MOVES[what])
    quick = site.quick([source])
    assert quick is not None
    written = {name: (output / name).read_bytes() for name in quick.pages}
    assert not any((output / name).exists() for name in quick.removed)
    site.build()
    after = tree(output)
    changed = _changes(before, after)
    assert changed - {"sitemap.xml"} <= set(quick.pages) | set(quick.removed), \
        f"the full build changed pages the quick path left: {sorted(changed - set(quick.pages) - set(quick.removed))}"
    for name, data in written.items():
        assert after.get(name) == data, f"the full build disagrees on {name}"
    assert not set(quick.removed) & set(after)
    if what == "date (the newest)":  # at the top: every page of the home page's listing shifts
        assert {"index.html", "index2.html", "index3.html"} <= set(quick.pages)
        assert "article-de-banc-d-essai-numero-4/" in (output / "index.html").read_text(encoding="utf-8")
    if what in ("slug", "title (its address comes from it)", "status"):
        assert "article-de-banc-d-essai-numero-4/index.html" in quick.removed
    if what == "category":
        assert any(name.startswith("rubrique/une-rubrique-neuve/") for name in quick.pages)


def test_a_new_article_and_a_deleted_one_take_the_quick_path(live):
    """A new published text joins every list it belongs to, a deleted one leaves them,
    through the quick path; the full build then agrees, and the site is the one a
    serial build without cache makes."""
    site, content, output = live
    new, gone = content / "articles" / "nouveau.md", content / "articles" / "banc-006.md"
    steps = [(new, lambda: new.write_text((content / "articles" / "banc-005.md").read_text(encoding="utf-8")
                                          .replace("numéro 5", "tout neuf"), encoding="utf-8")),
             (new, new.unlink), (gone, gone.unlink)]
    for path, change in steps:
        before = tree(output)
        change()
        quick = site.quick([path])
        assert quick is not None, path.name
        written = {name: (output / name).read_bytes() for name in quick.pages}
        site.build()
        after = tree(output)
        assert _changes(before, after) - {"sitemap.xml"} <= set(quick.pages) | set(quick.removed)
        assert all(after.get(name) == data for name, data in written.items())
        assert not set(quick.removed) & set(after)
    assert "article-de-banc-d-essai-numero-6/index.html" not in tree(output)
    reference = build(dict(site.settings, OUTPUT_PATH=str(output.parent / "reference"),
                           CACHE_PATH=str(output.parent / "reference-cache"),
                           PRIVATE_OUTPUT_PATH=str(output.parent / "reference-private"), LOAD_CONTENT_CACHE=False))
    assert_same(output, Path(reference.output_path))


CARDS = {  # what other pages show of the text, its place kept: every page showing it, at once
    "title": lambda t: t.replace("Title: Article", "Slug: article-de-banc-d-essai-numero-4\nTitle: Un article", 1),
    "summary": lambda t: t.replace("Summary: ", "Summary: Autrement dit, ", 1),
    "reading time": lambda t: t + ("\nDes mots encore, beaucoup de mots, pour allonger la lecture." * 60),
}


@pytest.mark.parametrize("what", CARDS)
def test_an_edit_other_pages_show_puts_every_page_showing_it_in_place(live, what):
    site, content, output = live
    changed = saved_then_built(site, output, content / "articles" / "banc-004.md", CARDS[what])
    assert "article-de-banc-d-essai-numero-4/index.html" in changed
    assert any(name.startswith(("index", "etiquette/", "rubrique/")) for name in changed)  # listings show it
    if what == "title":  # its neighbours' pages name it
        assert {"article-de-banc-d-essai-numero-3/index.html", "article-de-banc-d-essai-numero-5/index.html"} <= changed


def test_other_changes_go_to_the_full_build(live):
    site, content, output = live
    before = {n: page_of(output, n).read_bytes() for n in (5, 6)}
    edit(content / "articles" / "banc-005.md", lambda t: t + "\nUn.\n")
    edit(content / "articles" / "banc-006.md", lambda t: t + "\nDeux.\n")
    assert site.quick([content / "articles" / "banc-005.md", content / "articles" / "banc-006.md"]) is None
    letter = next(p for p in (content / "newsletter").glob("*.md") if "Status: draft" not in p.read_text("utf-8"))
    edit(letter, lambda t: t + "\nUne ligne.\n")
    assert site.quick([letter]) is None  # a published letter (the home page shows the latest): the full build
    comment = next((content / "conversations").rglob("*.md"))
    edit(comment, lambda t: t + "\nUne ligne.\n")
    assert site.quick([comment]) is None  # read by a plugin, shown on its article's page
    assert page_of(output, 5).read_bytes() == before[5]
    linked = content / "articles" / "banc-007.md"
    edit(content / "articles" / "banc-008.md", lambda t: t + "\nVoir [l’autre]({filename}banc-007.md).\n")
    site.build()
    before = tree(output)
    edit(linked, lambda t: t.replace("Summary: ", "Slug: ailleurs\nSummary: ", 1))
    assert site.quick([linked]) is None  # another text links to its address
    assert tree(output) == before


def test_a_page_and_a_summary_with_a_link_keep_to_the_full_builds_bytes(live):
    """A page (its menu entry unchanged) takes the quick path; a summary that links to
    another text is resolved as Pelican resolves it once everything is read."""
    site, content, output = live
    linked = content / "articles" / "banc-006.md"
    edit(linked, lambda t: t.replace("Summary: ", "Summary: Voir [le quatrième]({filename}banc-004.md). ", 1))
    site.build()
    page = next((content / "pages").glob("*.md"))
    for source, sentence in ((page, "Une ligne ajoutée à la page."), (linked, "Une phrase après le lien.")):
        edit(source, lambda t: t + f"\n{sentence}\n")
        quick = site.quick([source])
        assert quick is not None, source.name
        written = {name: (output / name).read_bytes() for name in quick.pages}
        assert any(sentence.encode() in data for data in written.values())
        site.build()
        for name, data in written.items():
            assert (output / name).read_bytes() == data, name
    listed = (output / "index.html").read_text(encoding="utf-8") + (output / "feeds" / "tout.atom.xml").read_text("utf-8")
    assert "{filename}" not in listed


@pytest.mark.parametrize("mistake", [
    lambda t: t + "\n<!-- tier: vip -->\n\nLa suite.\n",  # a tier the ladder does not know
    lambda t: t.replace("Summary: ", "Sumary: ", 1),  # a metadata key misspelt
    lambda t: t.replace("Date: 2025", "Date: 2025-13", 1),  # a date that is none
])
def test_a_mistake_is_left_to_the_full_build_which_says_it(live, mistake):
    site, content, output = live
    source = content / "articles" / "banc-008.md"
    before = page_of(output, 8).read_bytes()
    edit(source, mistake)
    assert site.quick([source]) is None
    assert page_of(output, 8).read_bytes() == before
    with pytest.raises(BuildError):
        site.build()
    assert page_of(output, 8).read_bytes() == before


def test_a_page_that_leaks_is_not_put_in_place(live, monkeypatch):
    """The guard does not trust the split: with a careless one that publishes the
    reserved parts, the quick page is refused by the audit (which reads the
    sources its own way), and so is the full build."""
    import tiers.reader
    from tiers.split import SourcePart

    def careless_cut(text, ladder, start, start_line=None, fences=True):
        kept = "\n".join(line for line in text.split("\n") if "tier:" not in line)
        return [SourcePart(ladder.public.id, kept, 1)]

    site, content, output = live
    source = content / "articles" / "banc-010.md"
    secret = reserved_sentence(source)
    before = page_of(output, 10).read_bytes()
    monkeypatch.setattr(tiers.reader, "cut", careless_cut)
    edit(source, lambda t: t.replace("\n\n", "\n\nUne phrase publique de plus.\n\n", 1))
    assert site.quick([source]) is None
    assert page_of(output, 10).read_bytes() == before
    assert secret not in page_of(output, 10).read_text(encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        site.build()
    assert any("banc-010.md" in str(p) for p in failure.value.problems)


def test_a_listing_that_shows_a_text_outside_its_own_list_is_put_in_place(tmp_path):
    """A theme of one's own whose tag pages name, beside their list, every article by
    category: a title changed shows on every tag's pages, those of tags the article does
    not have included (the quick path asks each listing what it reads, not only its list)."""
    import shutil

    from conftest import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "templates" / "tag.html").write_text(
        (ROOT / "theme" / "templates" / "tag.html").read_text(encoding="utf-8")
        + "{% block content %}{{ super() }}<aside><h2>Par rubrique</h2><ul>{% for category, listed in categories %}"
          "{% for each in listed %}<li>{{ each.title }}</li>{% endfor %}{% endfor %}</ul></aside>{% endblock %}\n",
        encoding="utf-8")
    content = corpus(tmp_path, count=30)
    site = LiveSite(site_settings(tmp_path / "live", content, THEME=str(theme), CACHE_CONTENT=True,
                                  LOAD_CONTENT_CACHE=True))
    site.build()
    output = Path(site.settings["OUTPUT_PATH"])
    changed = saved_then_built(site, output, content / "articles" / "banc-030.md", lambda t: t.replace(
        "Title: Article", "Slug: article-de-banc-d-essai-numero-30\nTitle: Un article", 1))
    others = [name for name in changed if name.startswith("etiquette/")  # tags it does not have: no link to it
              and "article-de-banc-d-essai-numero-30/" not in (output / name).read_text(encoding="utf-8")]
    assert others, "some tag without the article shows its new title"


def test_a_broken_template_no_page_uses_does_not_stop_livereload(tmp_path):
    """A theme may hold a template that does not parse, unused by the build (a draft of
    the author's): livereload builds, and a card edit still finds the pages showing it.
    An include named at run time makes its pages rendered whatever they show."""
    import shutil

    from conftest import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "templates" / "brouillon.html").write_text("{% if %}\n", encoding="utf-8")
    tags = theme / "templates" / "tags.html"
    tags.write_text(tags.read_text(encoding="utf-8").replace(
        "{% endblock %}", "{% include ('partials/' ~ 'aucun.html') ignore missing %}{% endblock %}", 1),
        encoding="utf-8")
    content = corpus(tmp_path, count=12)
    site = LiveSite(site_settings(tmp_path / "live", content, THEME=str(theme), LOAD_CONTENT_CACHE=True))
    site.build()
    output = Path(site.settings["OUTPUT_PATH"])
    source = content / "articles" / "banc-004.md"
    edit(source, CARDS["title"])
    quick = site.quick([source])
    assert quick is not None and "article-de-banc-d-essai-numero-4/index.html" in quick.pages
    written = {name: (output / name).read_bytes() for name in quick.pages}
    site.build()
    for name, data in written.items():
        assert (output / name).read_bytes() == data, f"the full build disagrees on {name}"


def test_a_quick_path_killed_among_its_writes_leaves_no_page_trusted(live, monkeypatch, tmp_path):
    """The process dies while it puts the pages in place (kill -9, a full disk); the
    author then undoes the edit. The next build must not keep the half-written site's
    page as if it were the old one: its fingerprint was forgotten before any write."""
    import publishing.quick

    site, content, output = live
    source = content / "articles" / "banc-004.md"
    original = source.read_text(encoding="utf-8")
    edit(source, lambda t: t + "\nUne phrase qui ne restera pas.\n")
    monkeypatch.setattr(publishing.quick, "write_atomic",
                        _dying(publishing.quick.write_atomic, "article-de-banc-d-essai-numero-4/index.html"))
    with pytest.raises(OSError):
        site.quick([source])
    monkeypatch.undo()
    source.write_text(original, encoding="utf-8")
    fresh = LiveSite(site.settings)  # livereload started again
    fresh.build()
    reference = site_settings(tmp_path / "reference", content, BUILD_PROCESSES=1, CACHE_CONTENT=False)
    build(reference)
    assert_same(output, Path(reference["OUTPUT_PATH"]))


def _dying(write, page: str):
    """write_atomic that dies as a killed process would, right after writing `page`."""

    def dying(path, data):
        write(path, data)
        if str(path).endswith(page):
            raise OSError("processus arrêté")

    return dying


def test_the_quick_audit_keeps_its_answers_only_while_the_sources_say_the_same(live):
    """The quick path's audit keeps, for a reserved run met in a page, which public source
    also says it (the same listing pages come back at each save). A source that starts
    saying it exempts it; one that stops saying it makes it a leak again."""
    from tiers.audit import LiveAudit

    site, content, output = live
    settings = site.result.generators[0].settings
    secret = reserved_sentence(content / "articles" / "banc-010.md")
    page = {"essai/index.html": f"<p>{secret}.</p>".encode()}
    audit = LiveAudit()
    assert len(audit.leaks(settings, page)) == 1
    other = content / "articles" / "banc-003.md"
    original = other.read_text(encoding="utf-8")
    edit(other, lambda t: t + f"\n{secret}.\n")  # said in public: no leak
    assert audit.leaks(settings, page) == []
    other.write_text(original, encoding="utf-8")
    time.sleep(0.01)  # another modification time, whatever the file system's resolution
    os.utime(other)
    assert len(audit.leaks(settings, page)) == 1


def test_after_a_failed_build_the_next_save_waits_for_a_full_build(live):
    """A save whose build failed is in no site the process holds: a quick page for the
    next save, made from that site, would show the older text of the first file (in the
    feeds, the listings) until the full build. So the quick path waits for a build that
    succeeds."""
    site, content, output = live
    first, second = content / "articles" / "banc-003.md", content / "articles" / "banc-009.md"
    edit(first, lambda t: t + "\nUne phrase que la construction ratée n’a pas publiée.\n")
    broken = content / "conversations" / "article-de-banc-d-essai-numero-3" / "casse.md"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("Auteur: Personne\n\nUne clé inconnue.\n", encoding="utf-8")
    assert site.quick([first, broken]) is None
    with pytest.raises(BuildError):
        site.build()
    broken.unlink()
    edit(second, lambda t: t + "\nUne autre phrase.\n")
    assert site.quick([second]) is None
    site.build()
    assert "la construction ratée" in page_of(output, 3).read_text(encoding="utf-8")
    edit(second, lambda t: t + "\nEncore une.\n")
    assert site.quick([second]) is not None  # the build succeeded: the quick path is back


def test_a_failed_full_build_puts_the_quick_page_back(live):
    site, content, output = live
    before = page_of(output, 3).read_bytes()
    edit(content / "articles" / "banc-003.md", lambda t: t + "\nUne phrase de plus.\n")
    assert site.quick([content / "articles" / "banc-003.md"]) is not None
    assert page_of(output, 3).read_bytes() != before
    edit(content / "articles" / "banc-009.md", lambda t: t + "\n<!-- tier: vip -->\n\nLa suite.\n")
    with pytest.raises(BuildError):
        site.build()
    assert page_of(output, 3).read_bytes() == before  # the previous site, whole


@pytest.mark.browser
def test_the_open_page_reloads_itself_after_a_save(project, browser):
    """`invoke livereload` in a real Chromium: the author's open page shows the
    sentence just saved, without touching the browser."""
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "content", project / "content", dirs_exist_ok=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "invoke", "livereload", "--port", str(port)],
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              encoding="utf-8", env={**os.environ, "PYTHONUTF8": "1"})
    source = project / "content" / "articles" / "ecouter-avant-de-parler.md"
    url = f"http://localhost:{port}/ecouter-avant-de-parler/"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert time.time() < deadline, "livereload did not serve the site"
                time.sleep(0.2)
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.wait_for_timeout(500)  # livereload.js connects its websocket
        edit(source, lambda t: t + "\nUne phrase écrite à l’instant, qui doit paraître seule.\n")
        page.wait_for_function(
            "() => document.body.innerText.includes('Une phrase écrite à l’instant')", timeout=20_000)
        context.close()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "Page à jour en" in output, output


def test_a_build_stopped_midway_leaves_no_process_behind(tmp_path):
    """livereload stopped (Ctrl+C, a signal) while it builds: the build's helper
    processes (the readers' pool, the audit) go with it, instead of waiting forever
    on a pipe and holding the terminal's output open."""
    import signal

    from conftest import ROOT

    content = corpus(tmp_path, count=120)  # enough files for the pool of readers
    script = (f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); sys.path.insert(0, {str(ROOT / 'plugins')!r})\n"
              "from pathlib import Path\nfrom conftest import site_settings\nfrom publishing.build import build\n"
              f"print('start', flush=True)\nbuild(site_settings(Path({str(tmp_path)!r}), Path({str(content)!r}), "
              "BUILD_PROCESSES=2))\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env={**os.environ, "PYTHONUTF8": "1"})
    assert child.stdout.readline().strip() == b"start"
    deadline = time.time() + 20
    helpers: list[str] = []
    while len(helpers) < 3:  # reading: the pool's two workers and the audit's process
        assert time.time() < deadline and child.poll() is None, "the build had no helper process to leave behind"
        helpers = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True).stdout.split()
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=15)  # every copy of its output closed: no process left holding it
    deadline = time.time() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in helpers):
        assert time.time() < deadline, "a helper process outlived its build"
        time.sleep(0.1)


def test_a_fault_in_the_quick_path_or_the_build_does_not_end_the_rebuilds(live, monkeypatch):
    """livereload's worker keeps watching whatever a save raises: the author is told,
    and the next save is built."""
    import threading

    from publishing.serve import rebuild_on_change

    site, content, output = live
    said, builds = [], []

    def broken_quick(changed):
        raise ValueError("un défaut [de test]")

    def full():
        builds.append(time.time())
        if len(builds) == 1:
            raise OSError("disque plein")
        return True

    monkeypatch.setattr(site, "quick", broken_quick)
    stop = threading.Event()
    worker = threading.Thread(target=rebuild_on_change, daemon=True,
                              args=(site, [str(content)], full, lambda: None, said.append, stop))
    worker.start()
    time.sleep(0.5)  # the watcher listens
    try:
        for number in (1, 2):
            edit(content / "articles" / "banc-003.md", lambda t: t + f"\nSauvegarde {number}.\n")
            deadline = time.time() + 10
            while len(builds) < number:
                assert time.time() < deadline, f"save {number} was not built: {said}"
                time.sleep(0.02)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert any("Voie rapide abandonnée (un défaut \\[de test])" in s for s in said), said
    assert any("la construction s’est arrêtée\u00a0: disque plein" in s for s in said), said


def test_a_text_and_its_translation_keep_their_links(live):
    """Translations are linked by Pelican after reading: a quick page keeps them,
    in either language, and is the page the full build writes."""
    site, content, output = live
    french = content / "articles" / "banc-006.md"  # not gated: what is appended is public
    slug = "article-de-banc-d-essai-numero-6"
    (content / "articles" / "banc-006-en.md").write_text(
        f"Title: Benchmark article number six\nDate: 2025-01-07 08:10\nSlug: {slug}\nLang: en\n"
        "Category: Communautés\nSummary: In English.\n\nThe English text, as written.\n", encoding="utf-8")
    site.build()
    for source, page, sentence in ((french, f"{slug}/index.html", "Une phrase de la version française."),
                                   (content / "articles" / "banc-006-en.md", f"en/{slug}/index.html",
                                    "One more English sentence.")):
        edit(source, lambda t: t + f"\n{sentence}\n")
        quick = site.quick([source])
        assert quick is not None and page in quick.pages
        written = (output / page).read_bytes()
        assert sentence.encode() in written
        assert b'hreflang="en"' in written and b'hreflang="fr"' in written
        site.build()
        assert (output / page).read_bytes() == written


def test_an_editors_passing_file_does_not_stop_the_quick_path(live):
    """Vim writes and removes a file named 4913 beside the one it saves: the save comes
    with it, which changed nothing; a file removed since the build did change something."""
    site, content, output = live
    source = content / "articles" / "banc-003.md"
    passing = content / "articles" / "4913"
    passing.write_text("", encoding="utf-8")
    passing.unlink()
    edit(source, lambda t: t + "\nUne phrase enregistrée par Vim.\n")
    assert site.quick([passing, source]) is not None
    gone = content / "articles" / "banc-004.md"
    gone.unlink()
    assert site.quick([gone, source]) is None


def test_a_draft_takes_the_quick_path_even_for_its_title(live):
    """No other page shows a draft (article or letter): any edit that keeps its address
    is its page alone; an edit of a published letter goes to the full build (the home
    page and the letter's archive show it)."""
    site, content, output = live
    article = content / "articles" / "brouillon.md"
    article.write_text("Title: Un brouillon\nSlug: un-brouillon\nStatus: draft\nCategory: Communautés\n\n"
                       "Le début d’une idée.\n", encoding="utf-8")
    letters = sorted((content / "newsletter").glob("*.md"))
    number = 1 + max(int(line.split(":", 1)[1]) for path in letters
                     for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("Issue:"))
    letter = content / "newsletter" / "brouillon.md"
    letter.write_text(f"Title: La lettre qui vient\nDate: 2026-12-01 07:00\nIssue: {number}\nStatus: draft\n\n"
                      "Bonjour, voici ce qui s’écrit.\n", encoding="utf-8")
    site.build()
    for source, change, sentence in (
            (article, lambda t: t.replace("Un brouillon", "Un brouillon retitré"), "Un brouillon retitré"),
            (letter, lambda t: t + "\nUne phrase de plus pour la lettre.\n", "Une phrase de plus pour la lettre.")):
        edit(source, change)
        quick = site.quick([source])
        assert quick is not None and len(quick.pages) == 1, source.name
        written = (output / quick.pages[0]).read_bytes()
        assert sentence.encode() in written
        site.build()
        assert (output / quick.pages[0]).read_bytes() == written
    published = next(p for p in letters if "Status: draft" not in p.read_text(encoding="utf-8"))
    edit(published, lambda t: t + "\nUne ligne.\n")
    assert site.quick([published]) is None


def test_livereload_keeps_no_text_of_its_earlier_builds(live):
    """Pelican memoizes each text's content in its class for the life of the process:
    livereload, which builds at every save, kept every build's texts (52 MiB a build
    of a thousand long articles), until its author's machine ran out of memory."""
    import gc

    from pelican.contents import Content

    site, content, output = live

    def texts() -> int:
        gc.collect()
        return sum(isinstance(o, Content) for o in gc.get_objects())

    site.build()
    once = texts()
    for number in range(3):
        edit(content / "articles" / "banc-003.md", lambda t: t + f"\nUne phrase de plus, la {number}e.\n")
        site.build()
    assert texts() <= once


def test_a_new_draft_comes_and_goes_by_the_quick_path(live):
    """`invoke new` writes a draft, which no other page shows: livereload puts its page
    in place alone, then moves it when its `Slug:` changes and takes it away when the
    file is deleted; the full build agrees each time. Then another is published: it
    joins the lists, and its draft's page goes."""
    from publishing.scaffold import new_content

    site, content, output = live
    source = new_content("Une idée qui pousse", site.settings)
    quick = site.quick([source])
    assert quick is not None and quick.pages == ("brouillons/une-idee-qui-pousse/index.html",), quick
    written = (output / quick.pages[0]).read_bytes()
    assert "Une idée qui pousse".encode() in written
    site.build()
    assert (output / quick.pages[0]).read_bytes() == written
    edit(source, lambda t: t.replace("Slug: une-idee-qui-pousse", "Slug: une-idee-qui-a-pousse"))
    moved = site.quick([source])
    assert moved is not None and moved.pages == ("brouillons/une-idee-qui-a-pousse/index.html",), moved
    assert moved.removed == ("brouillons/une-idee-qui-pousse/index.html",)
    assert not (output / moved.removed[0]).exists()
    written = (output / moved.pages[0]).read_bytes()
    site.build()
    assert (output / moved.pages[0]).read_bytes() == written and not (output / moved.removed[0]).exists()
    before = tree(output)
    source.unlink()
    gone = site.quick([source])
    assert gone is not None and gone.pages == () and gone.removed == moved.pages
    assert tree(output) == {name: data for name, data in before.items() if name != moved.pages[0]}
    site.build()
    assert not (output / moved.pages[0]).exists()
    assert_same(output, Path(build(dict(site.settings, OUTPUT_PATH=str(output.parent / "reference"),
                                        CACHE_PATH=str(output.parent / "reference-cache"),
                                        PRIVATE_OUTPUT_PATH=str(output.parent / "reference-private"),
                                        LOAD_CONTENT_CACHE=False)).output_path))
    published = new_content("Une idée publiée", site.settings)
    assert site.quick([published]) is not None
    edit(published, lambda t: t.replace("Status: draft\n", ""))
    made = site.quick([published])  # published: it joins the lists, and its draft's page goes
    assert made is not None and {"une-idee-publiee/index.html", "index.html"} <= set(made.pages)
    assert made.removed == ("brouillons/une-idee-publiee/index.html",)
    written = {name: (output / name).read_bytes() for name in made.pages}
    site.build()
    assert all((output / name).read_bytes() == data for name, data in written.items())
    assert not (output / made.removed[0]).exists()


def _conversation(content: Path) -> None:
    folder = content / "conversations" / "une-idee-qui-pousse"
    folder.mkdir(parents=True)
    (folder / "lea.md").write_text("Author: Léa\nDate: 2026-11-20 09:00\n\nJ’ai hâte de lire la suite.\n",
                                   encoding="utf-8")


def _mention(content: Path) -> None:
    (content / "webmentions").mkdir(exist_ok=True)
    (content / "webmentions" / "brouillon.json").write_text(
        '{"type": "feed", "children": [{"type": "entry", "wm-property": "in-reply-to", '
        '"wm-target": "http://localhost:8000/brouillons/une-idee-qui-pousse/", "url": "https://exemple.fr/a", '
        '"published": "2026-11-22T10:00:00+01:00", "author": {"name": "Rose"}, "content": {"text": "Oui."}}]}',
        encoding="utf-8")


POINTED_AT = {  # what another file says of a new draft: the full build shows it, or says what is wrong
    "a conversation in its name": _conversation,
    "a webmention of its address": _mention,
    "a link from another article": lambda content: edit(
        content / "articles" / "banc-005.md",
        lambda t: t + "\nVoir [la suite]({filename}une-idee-qui-pousse.md).\n"),
}


@pytest.mark.parametrize("what", POINTED_AT)
def test_a_new_draft_that_other_files_point_at_goes_to_the_full_build(live, what):
    from publishing.scaffold import new_content

    site, content, output = live
    POINTED_AT[what](content)
    before = tree(output)
    source = new_content("Une idée qui pousse", site.settings)
    assert site.quick([source]) is None
    assert tree(output) == before


def test_a_new_draft_the_build_would_refuse_or_copy_for_goes_to_the_full_build(live):
    """A draft whose address is another text's, a letter whose number is taken, a draft
    that links a file (the build copies it): no quick page."""
    from publishing.scaffold import new_content

    site, content, output = live
    before = tree(output)
    twin = content / "articles" / "jumeau.md"
    twin.write_text("Title: Jumeau\nSlug: article-de-banc-d-essai-numero-5\nStatus: draft\nCategory: Communautés\n\n"
                    "Le même nom qu’un autre.\n", encoding="utf-8")
    assert site.quick([twin]) is None
    twin.unlink()
    taken = next(line for path in (content / "newsletter").glob("*.md")
                 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("Issue:"))
    letter = content / "newsletter" / "deja-pris.md"
    letter.write_text(f"Title: Encore\nDate: 2026-12-01 07:00\n{taken}\nStatus: draft\n\nBonjour.\n", encoding="utf-8")
    assert site.quick([letter]) is None
    letter.unlink()
    source = new_content("Une image à venir", site.settings)
    edit(source, lambda t: t + "\n![Le lac]({static}/images/lac.png)\n")
    assert site.quick([source]) is None
    assert tree(output) == before


def test_livereload_says_a_draft_page_made_then_taken_away(live):
    """The worker, fed by the system's notifications: a draft written by `invoke new`
    is announced with its page, its deletion with the page taken away."""
    import threading

    from publishing.scaffold import new_content
    from publishing.serve import rebuild_on_change

    site, content, output = live
    said, reloads = [], []
    stop = threading.Event()
    worker = threading.Thread(target=rebuild_on_change, daemon=True,
                              args=(site, [str(content)], lambda: bool(site.build()), lambda: reloads.append(1),
                                    said.append, stop))
    worker.start()
    time.sleep(0.5)  # the watcher listens

    def wait_for(text: str) -> None:
        deadline = time.time() + 20
        while not any(text in line for line in said):
            assert time.time() < deadline, f"never said {text!r}: {said}"
            time.sleep(0.02)

    try:
        source = new_content("Une idée qui pousse", site.settings)
        wait_for("brouillons/une-idee-qui-pousse/index.html")
        time.sleep(1)  # the full build that confirms it
        source.unlink()
        wait_for("Page retirée\u00a0: brouillons/une-idee-qui-pousse/index.html")
    finally:
        stop.set()
        worker.join(timeout=20)
    assert any(line.startswith("Page à jour en") and "brouillons/une-idee-qui-pousse/" in line for line in said), said
    assert reloads


def test_a_move_takes_the_quick_path_despite_a_warning_the_site_already_gives(live):
    """A warning every build gives (webmentions aimed at a page that is not an article)
    is the site's, not the move's: the quick path still takes the move (Pelican's
    loggers say a warning once a process). A warning not said before (another stray
    mention) sends it to the full build, which says it."""
    site, content, output = live
    (content / "webmentions").mkdir(exist_ok=True)
    mention = ('{"type": "feed", "children": [{"type": "entry", "wm-property": "in-reply-to", '
               '"wm-target": "http://localhost:8000/%s", "url": "https://exemple.fr/%s", '
               '"published": "2026-11-22T10:00:00+01:00", "author": {"name": "Rose"}, "content": {"text": "Oui."}}]}')
    (content / "webmentions" / "ailleurs.json").write_text(mention % ("recherche/", "a"), encoding="utf-8")
    result = site.build()
    assert any("webmentions" in warning for warning in result.warnings), result.warnings
    source = content / "articles" / "banc-004.md"
    edit(source, MOVES["date (the newest)"])
    quick = site.quick([source])
    assert quick is not None and "index.html" in quick.pages
    site.build()
    (content / "webmentions" / "ailleurs.json").write_text(mention % ("lettre/", "b"), encoding="utf-8")
    edit(source, MOVES["tags"])
    assert site.quick([source]) is None  # listing again says a new warning: the full build's

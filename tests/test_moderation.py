"""Moderation against hostile commenters (issue 10): an inert terminal, a badge
that is declared rather than matched, approval that writes only where it should,
bounded comments, checked webmention exports and subjects in any encoding.

The CLI tests run the real `invoke` in a project copy, as the author does; the
moderator's session runs in a pseudo-terminal (pexpect), like a real one.
"""

from __future__ import annotations

import io
import json
import mailbox
import os
import re
import sqlite3
import sys
from pathlib import Path

import pexpect
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings, strategies as st

from conftest import write_content
from discussion import intake, review
from discussion.comments import TAGS, clean
from publishing.build import BuildError
from test_cli import invoke
from test_comments_intake import pending, reply
from test_discussion import ARTICLE, SLUG, comment

NBSP, NNBSP = "\u00a0", "\u202f"
OTHER = """Title: Parler avec plutôt que parler à
Date: 2026-11-18 08:30
Category: Communautés

Un autre texte.
"""
OTHER_SLUG = "parler-avec-plutot-que-parler-a"
# What a hostile commenter puts in a name or a text: a clipboard write (OSC 52),
# hidden text, erasing the line above, a disguised link (OSC 8), a bidi
# override, and brackets that rich would read as markup.
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
HIDDEN = "\x1b[8mcaché\x1b[0m"
ERASE = "\x1b[1A\x1b[2K"
LINK = "\x1b]8;;https://piege.example\x1b\\ici\x1b]8;;\x1b\\"
HOSTILE_NAME = f"Lise{OSC52} Pseudo [/]"
HOSTILE_BODY = f"Ce que je dis vraiment.\n{HIDDEN} puis {ERASE}{LINK} [bold]gras[/] \u202eabc"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the console's own colours and bold


def files_outside_conversations(project: Path) -> set[str]:
    """Every file of the project but the queue and content/conversations/."""
    return {str(p.relative_to(project)) for p in project.rglob("*")
            if p.is_file() and "private" not in p.parts and "conversations" not in p.parts
            and ".pytest_cache" not in p.parts}


def queue_form(project: Path, entries: list[dict], name: str = "formulaire.json"):
    (project / name).write_text(json.dumps(entries), encoding="utf-8")
    done = invoke(project, "comments.import", name)
    assert done.returncode == 0, done.stderr
    return done


def row(project: Path, ident: int) -> dict:
    db = sqlite3.connect(project / "private" / "commentaires.sqlite3")
    db.row_factory = sqlite3.Row
    found = dict(db.execute("SELECT * FROM submissions WHERE id = ?", (ident,)).fetchone())
    db.close()
    return found


def page(project: Path, slug: str = SLUG) -> BeautifulSoup:
    built = invoke(project, "build")
    assert built.returncode == 0, built.stderr
    return BeautifulSoup((project / "output" / slug / "index.html").read_text(encoding="utf-8"), "lxml")


# 6. The moderator's terminal obeys nobody -------------------------------------------------

def test_a_moderation_session_in_a_terminal_shows_hostile_text_inert(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [
        {"id": "1", "name": HOSTILE_NAME, "email": f"lise{HIDDEN}@exemple.fr", "page_url": f"/{SLUG}/",
         "message": HOSTILE_BODY},
        {"id": "2", "name": "Pseudo [/]", "page_url": f"/{SLUG}/", "message": "[/] et [/bold] et [link=x]y[/link]"},
    ])
    screen = io.StringIO()
    child = pexpect.spawn(sys.executable, ["-m", "invoke", "comments.review"], cwd=str(project), encoding="utf-8",
                          env={**os.environ, "TERM": "xterm-256color", "PYTHONUTF8": "1"},
                          dimensions=(50, 220), timeout=60)
    child.logfile_read = screen
    child.expect("pprouver")
    child.sendline("a")
    child.expect("pprouver")
    child.sendline("a")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, screen.getvalue()
    seen = screen.getvalue()
    # No escape sequence from a comment reaches the terminal: only the console's own colours.
    assert "\x1b" not in SGR.sub("", seen), repr(seen)
    assert "\x07" not in seen and "\u202e" not in seen
    # What was hidden is shown, as text the moderator can read.
    assert "␛]52;c;ZXZpbA==␇" in seen and "␛[8mcaché␛[0m" in seen and "␛[1A␛[2K" in seen
    assert "␛]8;;https://piege.example␛\\ici" in seen and "<U+202E>abc" in seen
    assert "Ce que je dis vraiment." in seen and "[bold]gras[/]" in seen
    assert "Pseudo [/]" in seen and "[/] et [/bold] et [link=x]y[/link]" in seen  # markup is text, no crash
    assert "Traceback" not in seen
    assert f"Approuvé{NBSP}: n°1" in seen and f"Approuvé{NBSP}: n°2" in seen
    # The files keep no control character either (they are read in terminals too).
    written = list((project / "content" / "conversations" / SLUG).glob("*.md"))
    assert len(written) == 2
    assert not any("\x1b" in p.read_text(encoding="utf-8") for p in written)


def test_import_names_refused_items_inert(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    box = mailbox.mbox(str(project / "reponses.mbox"))
    box.add(_raw_message("Re: L’avenir est aux communautés".encode(), "utf-8", f"long{OSC52}", "x" * 20_001))
    box.close()
    done = invoke(project, "comments.import", "reponses.mbox")
    assert done.returncode == 0, done.stderr
    assert f"Refusé{NBSP}: reponses.mbox, message n°1 <long␛]52;c;ZXZpbA==␇@exemple.fr>" in done.stderr
    assert f"20{NNBSP}001 caractères, au-delà de la limite de 20{NNBSP}000" in done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert "0 nouveau commentaire en attente (0 déjà connu, 1 refusé)" in done.stdout


def test_reactions_and_digest_print_feed_text_inert(project):
    from reactions.store import Store

    store = Store(project / "reactions" / "reactions.sqlite3")
    store.upsert_source(f"https://blog.exemple/{OSC52}", f"Blog [/] {ERASE}{LINK}", "blog")
    source = store.sources()[0]
    store.update_source(source.id, last_error=f"HTTP 500 {HIDDEN}", last_error_at="2026-11-21T10:00:00+00:00")
    store.close()
    status = invoke(project, "reactions.status")
    assert status.returncode == 0, status.stderr
    assert "\x1b" not in status.stdout + status.stderr
    assert "Blog [/] ␛[1A␛[2K␛]8;;https://piege.example" in status.stdout and "HTTP 500 ␛[8mcaché" in status.stdout
    since = invoke(project, "digest", "--since", f"[/]{OSC52}")
    assert since.returncode == 1 and "Traceback" not in since.stderr
    assert f"--since «{NNBSP}[/]␛]52;c;ZXZpbA==␇{NNBSP}»{NBSP}: attendu un nombre de jours" in since.stderr


# 7. The badge is declared ----------------------------------------------------------------

def test_the_authors_name_and_address_earn_no_badge(project):
    import subprocess

    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    box = mailbox.mbox(str(project / "reponses.mbox"))
    box.add(reply("Claire Morvan <claire@nenufar.example>", "Re: L’avenir est aux communautés",
                  "C’est moi, l’autrice. Vraiment.", "usurpe"))
    box.close()
    assert invoke(project, "comments.import", "reponses.mbox").returncode == 0
    looked = subprocess.run([sys.executable, "-m", "invoke", "comments.review"], cwd=project, input="p\n",
                            capture_output=True, encoding="utf-8", timeout=60)
    assert "porte le nom ou l’adresse de l’autrice" in looked.stdout and "pas le badge" in looked.stdout
    assert invoke(project, "comments.review", "--approve", "1").returncode == 0
    written = (project / "content" / "conversations" / SLUG / "claire-morvan-1.md").read_text(encoding="utf-8")
    assert "Role" not in written
    soup = page(project)
    assert soup.select("li.comment") and not soup.select(".badge") and not soup.select(".by-author")


def test_the_author_answers_from_the_queue_and_gets_the_badge(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [{"id": "a", "name": "Inès", "page_url": f"/{SLUG}/", "message": "Une question ?"}])
    done = invoke(project, "comments.review", "--as-author", "1", "--reply", "Merci Inès, *bonne* question.")
    assert done.returncode == 0, done.stderr
    assert f"Approuvé{NBSP}: n°1 → content/conversations/{SLUG}/ines-1.md" in done.stdout  # approved on the way
    assert f"Réponse écrite{NBSP}: content/conversations/{SLUG}/claire-morvan-1.md" in done.stdout
    text = (project / "content" / "conversations" / SLUG / "claire-morvan-1.md").read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0].splitlines()
    assert header[0] == "Author: Claire Morvan" and "Reply-To: ines-1" in header and "Role: autrice" in header
    assert text.endswith("\n\nMerci Inès, *bonne* question.\n")
    soup = page(project)
    top = soup.select("ol.comments > li")
    assert len(top) == 1 and top[0].find("p", class_="comment-meta", recursive=False).select_one(".badge") is None
    answer = top[0].select_one("ol.replies > li")
    assert answer.select_one(".badge").get_text() == "Autrice" and "by-author" in answer["class"]
    assert answer.select_one(".e-content em").get_text() == "bonne"
    again = invoke(project, "comments.review", "--as-author", "1", "--reply", "Et une précision.")
    assert again.returncode == 0, again.stderr  # n°1 is approved now: the reply goes under its file
    assert "Approuvé" not in again.stdout
    second = (project / "content" / "conversations" / SLUG / "claire-morvan-2.md").read_text(encoding="utf-8")
    assert "Reply-To: ines-1\n" in second and "Role: autrice\n" in second


def test_the_reply_text_can_come_from_the_editor(project, tmp_path):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [{"id": "a", "name": "Inès", "page_url": f"/{SLUG}/", "message": "Une question ?"}])
    editor = tmp_path / "editeur.py"
    editor.write_text("import sys\np = sys.argv[1]\nt = open(p, encoding='utf-8').read()\n"
                      "assert 'Une question ?' in t.split('ne rien écrire sous cette ligne')[1]\n"
                      "open(p, 'w', encoding='utf-8').write('Écrit dans l’éditeur.\\n' + t)\n", encoding="utf-8")
    done = invoke(project, "comments.review", "--as-author", "1",
                  env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert done.returncode == 0, done.stderr
    text = (project / "content" / "conversations" / SLUG / "claire-morvan-1.md").read_text(encoding="utf-8")
    assert text.split("\n\n", 1)[1] == "Écrit dans l’éditeur.\n"  # the quoted comment stays below the cut


def test_author_reply_mistakes_are_told_in_french(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [{"id": "a", "name": "Inès", "page_url": f"/{SLUG}/", "message": "Oui."},
                         {"id": "b", "name": "Bob", "page_url": f"/{SLUG}/", "message": "Non."}])
    env = {"EDITOR": "", "VISUAL": ""}
    no_text = invoke(project, "comments.review", "--as-author", "1", env=env)
    assert no_text.returncode == 1 and "--reply" in no_text.stderr and "$EDITOR" in no_text.stderr
    empty = invoke(project, "comments.review", "--as-author", "1", "--reply", "  ")
    assert empty.returncode == 1 and "la réponse est vide" in empty.stderr
    assert invoke(project, "comments.review", "--reject", "2").returncode == 0
    rejected = invoke(project, "comments.review", "--as-author", "2", "--reply", "Si.")
    assert rejected.returncode == 1 and "a été rejeté" in rejected.stderr
    unknown = invoke(project, "comments.review", "--as-author", "9", "--reply", "Si.")
    assert unknown.returncode == 1 and "aucun commentaire ne porte le numéro 9" in unknown.stderr
    for done in (no_text, empty, rejected, unknown):
        assert "Traceback" not in done.stderr
    assert not (project / "content" / "conversations").exists()


def test_intake_never_writes_the_role_header(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [{"id": "a", "name": "Zed\nRole: autrice", "email": "zed@exemple.fr\r\nRole: autrice",
                          "website": "https://zed.exemple/\u2028Role: autrice", "page_url": f"/{SLUG}/",
                          "message": "Role: autrice\n\nRole: autrice"}])
    assert invoke(project, "comments.review", "--approve", "1").returncode == 0
    written = next((project / "content" / "conversations" / SLUG).glob("*.md")).read_text(encoding="utf-8")
    header = written.split("\n\n", 1)[0].splitlines()
    assert len(header) == 4 and not any(line.startswith("Role") for line in header)
    assert not page(project).select(".badge")


def test_a_declared_role_gets_the_badge_in_the_settings_word(build_site):
    files = {"articles/avenir.md": ARTICLE,
             f"conversations/{SLUG}/a.md": comment("Quelqu’un", "2026-11-21 09:00", "Bonjour."),
             f"conversations/{SLUG}/b.md": comment("Claire Morvan", "2026-11-21 10:00", "Merci.", reply_to="a",
                                                   role="autrice")}
    site = build_site(files, AUTHOR_BADGE="Auteur")
    badges = site.soup(f"{SLUG}/index.html").select(".badge")
    assert [b.get_text() for b in badges] == ["Auteur"]
    assert review.role_word("Auteur") == "auteur" and review.role_word("Autrice") == "autrice"


@pytest.mark.parametrize("line, message", [
    ("Role: admin", f"b.md:4{NBSP}: «{NNBSP}Role: admin{NNBSP}» inconnu"),
    ("Role:", f"b.md:4{NBSP}: «{NNBSP}Role: {NNBSP}» inconnu"),
    ("Author: Autre", f"b.md:4{NBSP}: «{NNBSP}Author:{NNBSP}» répété"),
])
def test_bad_role_headers_fail_the_build_naming_the_file(build_site, line, message):
    text = f"Author: X\nDate: 2026-11-21\nReply-To: a\n{line}\n\nTexte.\n"
    with pytest.raises(BuildError) as failure:
        build_site({"articles/avenir.md": ARTICLE, f"conversations/{SLUG}/a.md": comment("A", "2026-11-21", "x"),
                    f"conversations/{SLUG}/b.md": text})
    assert f"content/conversations/{SLUG}/{message}" in str(failure.value)


def test_a_bad_badge_setting_fails_the_build(build_site):
    with pytest.raises(BuildError, match="AUTHOR_BADGE doit être un mot court"):
        build_site({"articles/avenir.md": ARTICLE}, AUTHOR_BADGE="")


# 8. Approval writes only where it should ---------------------------------------------------

TRAVERSALS = ["https://nenufar.example/..", f"https://nenufar.example/{SLUG}/..", "../x", "/../../x", "/etc/passwd",
              "%2e%2e", "https://nenufar.example/%2e%2e/", "..%2f..%2fcontent", "..\\..\\x", "/tmp/x/../..",
              "https://nenufar.example/inconnu/", "javascript:alert(1)", ".", "-rf"]


def test_hostile_article_addresses_are_refused_at_import_and_review(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    before = files_outside_conversations(project)
    queue_form(project, [{"id": str(i), "name": f"Zed {i}", "page_url": address, "message": "Texte."}
                         for i, address in enumerate(TRAVERSALS)])
    assert all(article == "" for _, article, _, _ in pending(project))  # none is taken for an article
    assert row(project, 1)["address"] == TRAVERSALS[0]  # kept as received, to be read
    assert all(invoke(project, "comments.review", "--approve", str(i + 1)).returncode == 0
               for i in range(len(TRAVERSALS)))
    for typed in TRAVERSALS + ["r", "/", SLUG.upper(), f"{SLUG}/../..", "/tmp/" + SLUG + "/..", ""]:
        done = invoke(project, "comments.review", "--approve", "1", "--article", typed)
        assert "Non approuvé" in done.stderr and "Traceback" not in done.stderr, (typed, done.stderr)
    assert [s for *_, s in pending(project)] == ["pending"] * len(TRAVERSALS)
    assert not (project / "content" / "conversations").exists()
    assert files_outside_conversations(project) - before <= {"formulaire.json"}
    assert not list(project.parent.glob("zed-*.md")) and not list((project / "content").glob("*.md"))


def test_a_typed_address_must_be_an_article_and_gets_a_suggestion(project):
    import subprocess

    write_content(project / "content", {"articles/avenir.md": ARTICLE, "articles/autre.md": OTHER})
    queue_form(project, [{"id": "1", "name": "Zed", "page_url": "/..", "message": "Texte."}])
    done = subprocess.run([sys.executable, "-m", "invoke", "comments.review"], cwd=project,
                          input=f"a\nr\nl-avenir-est-aux-communotes\n/{SLUG}/\n", capture_output=True,
                          encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"adresse reçue{NBSP}: «{NNBSP}/..{NNBSP}»" in done.stdout
    assert f"aucun article n’a l’adresse «{NNBSP}r{NNBSP}»" in done.stderr
    assert (f"aucun article n’a l’adresse «{NNBSP}l-avenir-est-aux-communotes{NNBSP}»{NNBSP}; l’article le plus "
            f"proche est «{NNBSP}{SLUG}{NNBSP}» (L'avenir est aux communautés)") in done.stderr
    assert not (project / "content" / "conversations" / "r").exists()
    assert (project / "content" / "conversations" / SLUG / "zed-1.md").exists()
    assert invoke(project, "build").returncode == 0


def test_a_queued_address_is_checked_again_on_approval(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    queue_form(project, [{"id": "1", "name": "Zed", "page_url": f"/{SLUG}/", "message": "Texte."}])
    db = sqlite3.connect(project / "private" / "commentaires.sqlite3")  # an older queue, or a tampered one
    db.execute("UPDATE submissions SET article = '..'")
    db.commit()
    db.close()
    done = invoke(project, "comments.review", "--approve", "1")
    assert f"aucun article n’a l’adresse «{NNBSP}..{NNBSP}»" in done.stderr
    assert not list((project / "content").rglob("*.md"))[1:]  # the article only


def test_a_symlinked_conversation_folder_is_not_followed(project, tmp_path_factory):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    elsewhere = tmp_path_factory.mktemp("ailleurs")
    (project / "content" / "conversations").mkdir()
    (project / "content" / "conversations" / SLUG).symlink_to(elsewhere)
    queue_form(project, [{"id": "1", "name": "Zed", "page_url": f"/{SLUG}/", "message": "Texte."}])
    done = invoke(project, "comments.review", "--approve", "1")
    assert "mène hors de conversations/" in done.stderr
    assert not list(elsewhere.iterdir())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("./\\%2eE-_aZ:~ \x00\u2025\uff0e") | st.characters(), max_size=30))
def test_any_address_is_a_safe_slug_or_nothing(tmp_path_factory, address):
    content = tmp_path_factory.getbasetemp() / "contenu"
    slug = intake.candidate_slug(address)
    assert slug is None or intake.SLUG.fullmatch(slug)
    articles = intake.Articles({SLUG: "L’avenir", "a": "A"})
    assert articles.slug_of(address) in (None, SLUG, "a")
    try:
        folder = intake.conversation_folder(content, address)
    except intake.IntakeError:
        return
    assert folder.resolve().parent == (content / "conversations").resolve()


# 9. Bounded comments -------------------------------------------------------------------------

def test_the_queue_refuses_texts_over_the_limit_naming_the_item(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    done = queue_form(project, [
        {"id": "juste", "name": "A", "page_url": f"/{SLUG}/", "message": "é" * intake.MAX_BODY},
        {"id": "long", "name": "B", "page_url": f"/{SLUG}/", "message": "[" * (intake.MAX_BODY + 1)},
        {"id": "nom", "name": "N" * 501, "page_url": f"/{SLUG}/", "message": "Bonjour."},
    ], name="envois.json")
    assert intake.MAX_BODY == 20_000
    assert (f"Refusé{NBSP}: envois.json, entrée n°2 (id long){NBSP}: le texte fait 20{NNBSP}001 caractères, "
            f"au-delà de la limite de 20{NNBSP}000") in done.stderr
    assert f"envois.json, entrée n°3 (id nom){NBSP}: le nom fait 501 caractères" in done.stderr
    assert "1 nouveau commentaire en attente (0 déjà connu, 2 refusés)" in done.stdout
    assert [author for _, _, author, _ in pending(project)] == ["A"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]()*_`<>!\\#-+>:/ \nahj=\"'&;")) | st.characters(), max_size=200))
def test_any_comment_renders_to_allowed_tags_only(text):
    soup = BeautifulSoup(clean(text), "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in TAGS
        assert set(tag.attrs) <= ({"href", "rel"} if tag.name == "a" else set())
        if tag.get("href"):
            assert re.match(r"^(https?:|mailto:)", tag["href"], re.I), tag["href"]


def test_pathological_markdown_still_renders(build_site):
    bodies = {"crochets": "[" * 20_000, "liens": "[a](" * 5_000, "emphase": "*_" * 10_000,
              "citations": "> " * 10_000 + "fond", "listes": "".join("  " * i + "- a\n" for i in range(300))}
    files = {"articles/avenir.md": ARTICLE}
    files.update({f"conversations/{SLUG}/{name}.md": comment(name, "2026-11-21 09:00", body)
                  for name, body in bodies.items()})
    site = build_site(files)
    assert len(site.soup(f"{SLUG}/index.html").select("ol.comments > li")) == len(bodies)


# 10. Webmention exports are checked -------------------------------------------------------------

def _mention(**fields):
    entry = {"type": "entry", "wm-property": "in-reply-to", "wm-target": f"https://nenufar.example/{SLUG}/",
             "url": "https://blog.exemple.fr/r", "author": {"name": "Lena", "url": "https://blog.exemple.fr/"},
             "content": {"text": "Bien vu."}}
    entry.update(fields)
    return entry


@pytest.mark.parametrize("data, field, expected", [
    ({"children": [_mention(url=123)]}, "children[0].url", "attendu une adresse (texte), trouvé un nombre (123)"),
    ({"children": [_mention(), _mention(content={"html": ["<p>x</p>"]})]}, "children[1].content.html",
     "attendu du HTML (texte), trouvé une liste"),
    ({"children": [_mention(author="Lena")]}, "children[0].author", "attendu un objet {name, url}, trouvé un texte"),
    ({"children": [_mention(author={"name": {"first": "L"}})]}, "children[0].author.name", "trouvé un objet"),
    ({"children": [_mention(**{"wm-target": ["https://x/"]})]}, "children[0].wm-target", "trouvé une liste"),
    ({"children": [_mention(published=20261122)]}, "children[0].published", "attendu une date"),
    ({"children": [_mention(**{"wm-property": "like-of", "like-of": 5})]}, "children[0].like-of", "trouvé un nombre"),
    ({"children": ["texte"]}, "children[0]", "attendu un objet (une entrée), trouvé un texte"),
    ({"children": {"a": 1}}, "children", "attendu une liste d’entrées, trouvé un objet"),
    ("du texte", "(racine)", "trouvé un texte"),
    ([_mention(url=True)], "[0].url", "trouvé un booléen"),
])
def test_a_badly_typed_webmention_export_fails_naming_file_and_field(build_site, data, field, expected):
    with pytest.raises(BuildError) as failure:
        build_site({"articles/avenir.md": ARTICLE, "webmentions/export.json": json.dumps(data)})
    message = str(failure.value)
    assert f"content/webmentions/export.json{NBSP}: champ «{NNBSP}{field}{NNBSP}»{NBSP}: " in message, message
    assert expected in message


def test_a_well_typed_export_with_nulls_builds(build_site):
    data = {"type": "feed", "children": [_mention(published=None, content=None, author={"name": None, "url": None}),
                                         _mention(**{"wm-property": "like-of", "like-of": None})]}
    site = build_site({"articles/avenir.md": ARTICLE, "webmentions/export.json": json.dumps(data)})
    assert "Ailleurs sur le Web" in site.text(f"{SLUG}/index.html")


# 11. Subjects in any encoding -----------------------------------------------------------------------

def _raw_message(subject: bytes, charset: str, ident: str, body: str = "Tout à fait d’accord.") -> bytes:
    return (b"From: =?utf-8?q?Zo=C3=A9?= <zoe@exemple.fr>\nTo: claire@nenufar.example\nSubject: " + subject +
            f"\nDate: Sat, 21 Nov 2026 09:30:00 +0100\nMessage-ID: <{ident}@exemple.fr>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n".encode() +
            body.encode(charset) + b"\n")


def test_subjects_are_matched_in_any_encoding(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE, "articles/autre.md": OTHER})
    title = "Re : Parler avec plutôt que parler à"
    box = mailbox.mbox(str(project / "reponses.mbox"))
    box.add(_raw_message(title.encode("utf-8"), "utf-8", "brut-utf8"))
    box.add(_raw_message(title.encode("latin-1"), "iso-8859-1", "brut-latin1", "Tout à fait d'accord."))
    box.add(_raw_message(b"Re: =?iso-8859-1?q?Parler_avec_plut=F4t_que_parler_=E0?=", "utf-8", "rfc2047-latin1"))
    box.add(_raw_message(b"RE: =?utf-8?b?UGFybGVyIGF2ZWMgcGx1dMO0dCBxdWUgcGFybGVyIMOg?=", "utf-8", "rfc2047-utf8"))
    box.add(_raw_message("TR: Fwd: Re\u00a0: L’avenir est aux communautés".encode("utf-8"), "utf-8", "autre"))
    box.close()
    done = invoke(project, "comments.import", "reponses.mbox")
    assert done.returncode == 0, done.stderr
    assert "sans article reconnu" not in done.stdout
    rows = pending(project)
    assert [article for _, article, _, _ in rows] == [OTHER_SLUG] * 4 + [SLUG]
    assert {author for _, _, author, _ in rows} == {"Zoé"}
    assert row(project, 2)["body"] == "Tout à fait d'accord."  # the Latin-1 body decoded too


def test_header_text_unit():
    assert intake.header_text("=?utf-8?q?Zo=C3=A9?= =?iso-8859-1?q?No=EBl?=") == "ZoéNoël"  # RFC 2047: no gap
    assert intake.header_text("Re: =?iso-8859-1?q?plut=F4t?= que") == "Re: plutôt que"
    assert intake.header_text(None) == ""


def test_a_comment_made_of_markup_is_shown_as_plain_text():
    from discussion.comments import MAX_MARKUP, clean

    hostile = "[" * (MAX_MARKUP + 1) + "\n\n<script>alert(1)</script> *pas en italique*\nligne deux"
    html = clean(hostile)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "*pas en italique*" in html and "<em>" not in html
    assert "<br>" in html and html.count("<p>") == 2
    assert "<em>oui</em>" in clean("Un commentaire *ordinaire*, [un lien](https://exemple.fr/) : *oui*.")

"""Comment intake and moderation, run as the author runs them: invoke comments.import / comments.review."""

from __future__ import annotations

import email.message
import json
import mailbox
import sqlite3
import subprocess
import sys

from conftest import write_content
from test_cli import invoke
from test_discussion import ARTICLE, SLUG


def reply(sender: str, subject: str, body: str, ident: str) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "claire@nenufar.example", subject
    message["Date"], message["Message-ID"] = "Sat, 21 Nov 2026 09:30:00 +0100", f"<{ident}@exemple.fr>"
    message.set_content(body)
    return message


def pending(project) -> list[tuple]:
    db = sqlite3.connect(project / "private" / "commentaires.sqlite3")
    rows = db.execute("SELECT id, article, author, status FROM submissions ORDER BY id").fetchall()
    db.close()
    return rows


def test_mailbox_replies_queue_then_approval_publishes(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    box = mailbox.mbox(str(project / "reponses.mbox"))
    box.add(reply("Marion Le Bihan <marion@exemple.fr>", "Re: L’avenir est aux communautés",
                  "Chez nous, ça marche très bien.\n\nLe 20 nov. 2026, Claire a écrit :\n> Un texte qui appelle"
                  "\n-- \nMarion, épicerie de Rennes", "m1"))
    box.add(reply("yann@exemple.fr", "RE: l'avenir est aux communautes", "Pas d’accord !", "m2"))
    box.add(reply("ami@exemple.fr", "Re: Numéro 2 — Ce que vos réponses m’ont appris", "Merci pour la lettre.", "m3"))
    box.close()
    done = invoke(project, "comments.import", "reponses.mbox")
    assert done.returncode == 0, done.stderr
    assert "3 nouveaux commentaires en attente (0 déjà connu), dont 1 sans article reconnu" in done.stdout
    assert "1 nouveau" not in invoke(project, "comments.import", "reponses.mbox").stdout  # nothing twice
    assert [(a, s) for _, a, _, s in pending(project)] == [(SLUG, "pending"), (SLUG, "pending"), ("", "pending")]
    assert not (project / "content" / "conversations").exists()  # nothing published before review

    ids = [str(i) for i, *_ in pending(project)]
    done = invoke(project, "comments.review", "--approve", ids[0], "--reject", ids[1])
    assert done.returncode == 0, done.stderr
    written = project / "content" / "conversations" / SLUG / "marion-le-bihan-1.md"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("Author: Marion Le Bihan\nDate: 2026-11-21T09:30+01:00\nEmail: marion@exemple.fr\n\n")
    assert "Chez nous, ça marche très bien." in text
    assert "a écrit" not in text and "épicerie" not in text  # quote and signature left out
    no_article = invoke(project, "comments.review", "--approve", ids[2])
    assert "on ne sait pas à quel article il répond" in no_article.stderr
    assert [s for *_, s in pending(project)] == ["approved", "rejected", "pending"]

    built = invoke(project, "build")
    assert built.returncode == 0, built.stderr
    page = (project / "output" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Chez nous, ça marche très bien." in page and "Pas d’accord" not in page
    assert "marion@exemple.fr" not in page


def test_form_export_keeps_threads_when_approved_in_order(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    export = [{"id": "a1", "name": "Inès", "email": "ines@exemple.fr", "page_url": f"https://nenufar.example/{SLUG}/",
               "message": "Une première réponse.", "created_at": "2026-11-21T10:00:00+01:00"},
              {"id": "a2", "name": "Claire Morvan", "email": "claire@nenufar.example", "page_url": f"/{SLUG}/",
               "message": "Merci Inès.", "parent": "a1", "created_at": "2026-11-21T11:00:00+01:00"}]
    (project / "formulaire.json").write_text(json.dumps(export), encoding="utf-8")
    assert invoke(project, "comments.import", "formulaire.json").returncode == 0
    first, second = (str(i) for i, *_ in pending(project))
    assert invoke(project, "comments.review", "--approve", first).returncode == 0
    assert invoke(project, "comments.review", "--approve", second).returncode == 0
    child = (project / "content" / "conversations" / SLUG / "claire-morvan-1.md").read_text(encoding="utf-8")
    assert "Reply-To: ines-1\n" in child
    assert invoke(project, "build").returncode == 0
    page = (project / "output" / SLUG / "index.html").read_text(encoding="utf-8")
    assert page.index("Une première réponse.") < page.index('class="replies"') < page.index("Merci Inès.")


def test_isso_database_is_imported(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    db = sqlite3.connect(project / "comments.db")  # Isso's own tables
    db.executescript("""
        CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
        CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
            created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
            author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0,
            dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
    """)
    db.execute("INSERT INTO threads VALUES (1, ?, 'L’avenir')", (f"/{SLUG}/",))
    db.execute("INSERT INTO comments (tid, id, parent, created, mode, text, author, voters) "
               "VALUES (1, 1, NULL, 1795500000, 1, 'Vu par Isso.', 'Lou', x'00')")
    db.execute("INSERT INTO comments (tid, id, parent, created, mode, text, author, voters) "
               "VALUES (1, 2, NULL, 1795500100, 4, 'Supprimé.', 'Lou', x'00')")
    db.commit()
    db.close()
    done = invoke(project, "comments.import", "comments.db")
    assert "1 nouveau commentaire en attente" in done.stdout
    assert [(a, au) for _, a, au, _ in pending(project)] == [(SLUG, "Lou")]


def test_interactive_review_reads_the_answers(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    export = [{"id": str(i), "name": n, "page_url": f"/{SLUG}/", "message": m}
              for i, (n, m) in enumerate([("Anne", "Oui."), ("Bob", "Non.")])]
    (project / "f.json").write_text(json.dumps(export), encoding="utf-8")
    invoke(project, "comments.import", "f.json")
    done = subprocess.run([sys.executable, "-m", "invoke", "comments.review"], cwd=project, input="a\nr\n",
                          capture_output=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Approuvé\u00a0: n°1" in done.stdout and "Rejeté\u00a0: n°2" in done.stdout
    assert (project / "content" / "conversations" / SLUG / "anne-1.md").exists()


def test_bad_sources_and_numbers_are_named(project):
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    missing = invoke(project, "comments.import", "nulle-part.mbox")
    assert missing.returncode == 1 and "nulle-part.mbox\u00a0: source introuvable" in missing.stderr
    (project / "casse.json").write_text("[{", encoding="utf-8")
    broken = invoke(project, "comments.import", "casse.json")
    assert broken.returncode == 1
    assert "casse.json\u00a0: export JSON illisible (JSON mal formé, ligne 1, colonne 3)" in broken.stderr
    assert "Expecting" not in broken.stderr  # the library's English stays out
    (project / "isso.db").write_bytes(b"SQLite format 3\x00" + b"not a database at all" * 100)
    isso = invoke(project, "comments.import", "isso.db")
    assert isso.returncode == 1 and "isso.db\u00a0: base Isso illisible (pas une base SQLite lisible)" in isso.stderr
    (project / "autre.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    other = invoke(project, "comments.import", "autre.bin")
    assert other.returncode == 1 and "autre.bin\u00a0: ni une boîte mbox" in other.stderr
    unknown = invoke(project, "comments.review", "--approve", "42")
    assert unknown.returncode == 1 and "aucun commentaire en attente ne porte le numéro 42" in unknown.stderr

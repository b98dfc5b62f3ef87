"""Moderation as the author sees it: what `invoke comments.review` shows of a
queued comment, and the author's own replies.

Every value a commenter wrote reaches the terminal through `inert` (escape
sequences, bidi overrides and rich markup shown, never obeyed); the lines
returned here are rich markup, to print with markup on.

The author answers from the queue with `--as-author N`: the reply is a comment
file like the others, with `Role: autrice`, the one header that gives the badge
(intake never writes it). The text comes from `--reply "…"` or from the
author's editor ($VISUAL, then $EDITOR), on a file that shows the comment being
answered below a cut line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from shared import inert

from .comments import FOLDER
from .intake import IntakeError, Articles, Queue, approve, conversation_folder, file_base, header_value, write_new

CUT = "# ------------------------ ne rien écrire sous cette ligne ------------------------"
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def claims_to_be_author(row, author: str | None, author_email: str | None) -> bool:
    """The comment uses the author's name or address: worth a warning, never a badge."""
    name = " ".join(str(row["author"] or "").split()).casefold()
    email = str(row["email"] or "").strip().casefold()
    return bool((author and name == " ".join(author.split()).casefold())
                or (author_email and email == author_email.strip().casefold()))


def describe(row, author: str | None = None, author_email: str | None = None) -> list[str]:
    """The lines `comments.review` prints for one queued comment (rich markup; the
    commenter's words inert)."""
    if row["article"]:
        where = inert(row["article"])
    else:
        received = row["address"] if "address" in row.keys() and row["address"] else ""
        where = "article inconnu" + (f" (adresse reçue\u00a0: «\u202f{inert(received)}\u202f»)" if received else "")
    email = f" <{inert(row['email'])}>" if row["email"] else ""
    lines = [f"[bold]n°{row['id']}[/] — {inert(row['author'])}{email} — {where} — {inert(row['date'] or '')}"]
    if row["subject"]:
        lines.append(f"Objet\u00a0: {inert(row['subject'])}")
    if claims_to_be_author(row, author, author_email):
        lines.append("[yellow]Attention[/]\u00a0: ce commentaire porte le nom ou l’adresse de l’autrice, "
                     "ce que n’importe qui peut écrire\u202f; approuvé, il n’aura pas le badge "
                     "(pour répondre vous-même\u00a0: --as-author)")
    lines.append(inert(str(row["body"] or "").replace("\r\n", "\n").expandtabs(4), keep_newlines=True))
    return lines


@dataclass(frozen=True)
class Decision:
    """What became of one queued comment in a review."""

    ident: int
    outcome: Literal["approved", "rejected", "left"]  # left: still pending, `reason` says why
    file: Path | None = None  # the comment file written, when approved
    reason: str = ""  # French, untrusted parts included: print it inert


def decide(queue: Queue, row, verdict: Literal["approve", "reject"], content: Path, articles: Articles,
           article: str | None = None) -> Decision:
    """Approve (write the file, checking the article and the path) or reject one pending comment."""
    if verdict == "reject":
        queue.set(row["id"], "rejected")
        return Decision(row["id"], "rejected")
    try:
        return Decision(row["id"], "approved", accept(queue, row, content, articles, article))
    except IntakeError as error:
        return Decision(row["id"], "left", reason=str(error))


def decide_all(queue: Queue, approve_ids, reject_ids, content: Path, articles: Articles,
               article: str | None = None) -> list[Decision]:
    """`--approve`/`--reject`: every number must be a pending comment (IntakeError
    naming the first that is not, before anything is done); approvals first."""
    approving, rejecting = waiting(queue, approve_ids), waiting(queue, reject_ids)
    return ([decide(queue, row, "approve", content, articles, article) for row in approving]
            + [decide(queue, row, "reject", content, articles) for row in rejecting])


def waiting(queue: Queue, idents) -> list:
    """The pending rows numbered `idents` (as typed), or IntakeError naming the first that is not one."""
    rows = []
    for ident in idents:
        row = queue.get(int(ident)) if str(ident).isdigit() else None
        if row is None or row["status"] != "pending":
            raise IntakeError(f"aucun commentaire en attente ne porte le numéro {ident}")
        rows.append(row)
    return rows


def accept(queue: Queue, row, content: Path, articles: Articles, article: str | None = None) -> Path:
    """Approve a queued comment: its file is written under content/conversations/
    (intake.approve checks the article and the path) and the queue says so."""
    path = approve(row, content, queue, articles, article)
    queue.set(row["id"], "approved", str(path))
    return path


def reject(queue: Queue, row) -> None:
    queue.set(row["id"], "rejected")


def role_word(badge: str) -> str:
    """The `Role:` value written for the author's replies: « auteur » when the badge
    says so, else « autrice »; both give the badge."""
    return "auteur" if str(badge).strip().casefold() == "auteur" else "autrice"


def reply_template(row) -> str:
    """The file the author's editor opens: empty above the cut, the comment below."""
    body = _CONTROLS.sub("", str(row["body"] or "").replace("\r\n", "\n"))
    author = _CONTROLS.sub("", str(row["author"] or ""))
    quoted = "\n".join(f"# > {line}" for line in body.splitlines())
    return (f"\n\n{CUT}\n# Votre réponse au commentaire n°{row['id']} de {author}, au-dessus de la ligne.\n"
            f"# Un fichier laissé vide n’écrit rien.\n#\n{quoted}\n")


def text_from_editor(command: str, template: str) -> str:
    """Open `template` in the author's editor; the text above the cut line, stripped."""
    handle, name = tempfile.mkstemp(prefix="reponse-", suffix=".md")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(template)
        try:
            done = subprocess.run([*shlex.split(command), name], check=False)
        except (OSError, ValueError) as error:
            raise IntakeError(f"l’éditeur «\u202f{command}\u202f» ne se lance pas ({error})") from None
        if done.returncode != 0:
            raise IntakeError(f"l’éditeur «\u202f{command}\u202f» s’est arrêté en erreur "
                              f"(code {done.returncode})\u202f; rien n’est écrit")
        text = Path(name).read_text(encoding="utf-8", errors="replace")
    finally:
        os.unlink(name)
    return text.split(CUT, 1)[0].strip()


def author_reply(queue: Queue, ident: int, text: str, content: Path, articles: Articles, *, author: str,
                 badge: str, timezone: str = "UTC", article: str | None = None,
                 now: dt.datetime | None = None) -> tuple[Path | None, Path]:
    """The author answers queued comment n°`ident` with `text`: a pending comment is
    approved first (an answer publishes the question); the reply goes to the same
    conversation with `Reply-To:` and `Role:`. Returns (approved file or None, reply file)."""
    text = (text or "").strip()
    if not text:
        raise IntakeError("la réponse est vide\u202f: rien n’est écrit")
    row = queue.get(ident)
    if row is None:
        raise IntakeError(f"aucun commentaire ne porte le numéro {ident}")
    approved = None
    if row["status"] == "rejected":
        raise IntakeError(f"le commentaire n°{ident} a été rejeté\u202f: "
                          "on ne répond pas à un commentaire non publié")
    if row["status"] == "pending":
        approved = parent_file = accept(queue, row, content, articles, article)
    else:
        parent_file = Path(row["file"] or "")
    base = (content / FOLDER).resolve()
    if not parent_file.is_file() or parent_file.resolve().parent.parent != base:
        raise IntakeError(f"le fichier du commentaire n°{ident} ({parent_file}) n’est plus dans {FOLDER}/\u202f; "
                          "rien n’est écrit")
    folder = conversation_folder(content, parent_file.parent.name)
    when = (now or dt.datetime.now(ZoneInfo(timezone))).isoformat(timespec="minutes")
    name = header_value(author) or "Autrice"
    lines = [f"Author: {name}", f"Date: {when}", f"Reply-To: {parent_file.stem}", f"Role: {role_word(badge)}"]
    return approved, write_new(folder, file_base(name), "\n".join(lines) + "\n\n" + text + "\n")


def reported(queue: Queue, content: Path) -> list[list[str]]:
    """The open reports, oldest first, each as the lines `comments.review` prints
    before the pending comments: the reported comment's place, how many readers
    reported it and why, and its text as published (rich markup; strangers' words
    inert). Once shown they are marked seen; a new report opens the comment again."""
    shown = []
    for row in queue.open_reports():
        path = content / FOLDER / row["article"] / f"{row['comment']}.md"
        try:
            published = path.read_text(encoding="utf-8") if path.resolve().parent.parent == (content / FOLDER).resolve() \
                else ""
        except OSError:
            published = ""
        lines = [f"[bold red]Signalé[/] ({row['count']} fois) — {inert(row['article'])} — "
                 f"commentaire {inert(row['comment'])}"]
        reasons = [r for r in str(row["reasons"] or "").split(" | ") if r.strip()]
        if reasons:
            lines.append("Motifs\u00a0: " + " | ".join(inert(r) for r in reasons))
        lines.append(inert(published.strip(), keep_newlines=True) if published
                     else "(commentaire introuvable dans content/conversations/)")
        shown.append(lines)
        queue.close_reports(row["article"], row["comment"])
    return shown

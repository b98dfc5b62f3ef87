"""Comment intake: submissions go to a pending queue, never straight to the site.

Sources: a mailbox (mbox file or Maildir folder) of replies to the newsletter or
to an article's mailto link, a JSON export of a form service, or an Isso
server's SQLite database. The queue is SQLite (private/commentaires.sqlite3);
approving a submission writes its file under content/conversations/.
"""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from publishing.files import write_atomic

from .comments import FOLDER


class IntakeError(Exception):
    """The source or the queue cannot be used; French message."""


@dataclass
class Submission:
    key: str  # where it came from, unique: a second import of the same source adds nothing
    article: str  # slug, "" when it could not be told
    author: str
    email: str
    website: str
    date: str  # ISO 8601
    body: str  # Markdown, untrusted
    reply_to: str = ""
    subject: str = ""


def _fold(text: str) -> str:
    """Titles compared the way a reader would: case, accents, quotes and spaces aside."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\W+", " ", text).strip()


def _text(value) -> str:
    try:
        return str(make_header(decode_header(value or "")))
    except (UnicodeError, LookupError, ValueError):
        return str(value or "")


_ATTRIBUTION = re.compile(r"^(le .+ a écrit|on .+ wrote|.+ a écrit)\s*:?\s*$", re.I)


def reply_text(body: str) -> str:
    """What the reader wrote: quoted lines, the attribution line and the signature removed."""
    kept = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--" or line.startswith("-- "):
            break
        if line.startswith(">"):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _ATTRIBUTION.match(kept[-1].strip())):
        kept.pop()
    return "\n".join(kept).strip()


def _plain_body(message) -> str:
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain" and not part.get_filename():
                payload = part.get_payload(decode=True) or b""
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        return ""
    payload = message.get_payload(decode=True) or b""
    return payload.decode(message.get_content_charset() or "utf-8", errors="replace")


def from_mailbox(path: Path, titles: dict[str, str]) -> list[Submission]:
    """`titles`: {folded title: slug}, to tell which article a "Re: <titre>" answers."""
    box = mailbox.Maildir(str(path), create=False) if path.is_dir() else mailbox.mbox(str(path), create=False)
    found = []
    try:
        for key, message in box.iteritems():
            subject = _text(message.get("Subject"))
            name, address = parseaddr(_text(message.get("From")))
            body = reply_text(_plain_body(message))
            if not body or "@" not in address:
                continue
            title = re.sub(r"^\s*((re|tr|fwd?)\s*:\s*)+", "", subject, flags=re.I)
            try:
                date = parsedate_to_datetime(message.get("Date")).isoformat()
            except (TypeError, ValueError, IndexError):
                date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
            ident = message.get("Message-ID") or f"{path.name}#{key}"
            found.append(Submission(key=f"courriel:{ident.strip()}", article=titles.get(_fold(title), ""),
                                    author=name or address.split("@")[0], email=address.lower(), website="",
                                    date=date, body=body, subject=subject))
    finally:
        box.close()
    return found


_JSON_KEYS = {
    "author": ("author", "name", "nom"), "email": ("email", "mail", "courriel"),
    "website": ("website", "url", "site"), "date": ("date", "created_at", "created", "submitted_at"),
    "body": ("body", "message", "comment", "content", "text", "texte"),
    "article": ("article", "slug", "page", "page_url", "path"), "reply_to": ("reply_to", "parent", "in_reply_to"),
    "id": ("id", "_id", "uuid"),
}


def _slug_of(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1] if value else ""


def from_json(path: Path) -> list[Submission]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise IntakeError(f"{path} : JSON illisible ({error})") from None
    if isinstance(data, dict):  # {"submissions": [...]} and the like
        data = next((v for v in data.values() if isinstance(v, list)), [])
    found = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            continue

        def pick(field, item=item):
            return str(next((item[k] for k in _JSON_KEYS[field] if item.get(k) not in (None, "")), "")).strip()

        body = pick("body")
        if not body:
            continue
        ident = pick("id") or f"{number}"
        found.append(Submission(key=f"formulaire:{path.name}:{ident}", article=_slug_of(pick("article")),
                                author=pick("author") or "Anonyme", email=pick("email").lower(),
                                website=pick("website"), date=pick("date"), body=body,
                                reply_to=f"formulaire:{path.name}:{pick('reply_to')}" if pick("reply_to") else ""))
    return found


def from_isso(path: Path) -> list[Submission]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        rows = db.execute(
            "SELECT c.id, c.parent, c.created, c.text, c.author, c.email, c.website, t.uri "
            "FROM comments c JOIN threads t ON t.id = c.tid WHERE c.mode != 4 ORDER BY c.created").fetchall()
    except sqlite3.Error as error:
        raise IntakeError(f"{path} : base Isso illisible ({error})") from None
    db.close()
    return [Submission(key=f"isso:{path.name}:{cid}", article=_slug_of(uri), author=author or "Anonyme",
                       email=(email or "").lower(), website=website or "",
                       date=dt.datetime.fromtimestamp(created, dt.timezone.utc).isoformat(timespec="minutes"),
                       body=text or "", reply_to=f"isso:{path.name}:{parent}" if parent else "")
            for cid, parent, created, text, author, email, website, uri in rows]


def read_source(path: Path, titles: dict[str, str]) -> list[Submission]:
    if not path.exists():
        raise IntakeError(f"{path} : source introuvable (boîte mbox ou Maildir, export JSON, base Isso)")
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise IntakeError(f"{path} : ce dossier n’est pas une boîte Maildir (ni cur/ ni new/)")
        return from_mailbox(path, titles)
    head = path.read_bytes()[:16]
    if head.startswith(b"SQLite format 3"):
        return from_isso(path)
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"[", b"{"):
        return from_json(path)
    return from_mailbox(path, titles)


class Queue:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, "
            "article TEXT, author TEXT, email TEXT, website TEXT, date TEXT, body TEXT, reply_to TEXT, "
            "subject TEXT, status TEXT NOT NULL DEFAULT 'pending', file TEXT, received TEXT NOT NULL)")

    def add(self, submissions: list[Submission]) -> int:
        before = self.db.total_changes
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.db.executemany(
            "INSERT OR IGNORE INTO submissions (key, article, author, email, website, date, body, reply_to, "
            "subject, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.key, s.article, s.author, s.email, s.website, s.date, s.body, s.reply_to, s.subject, now)
             for s in submissions])
        return self.db.total_changes - before

    def pending(self) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        return self.db.execute("SELECT * FROM submissions WHERE status = 'pending' ORDER BY date, id").fetchall()

    def get(self, ident: int):
        self.db.row_factory = sqlite3.Row
        return self.db.execute("SELECT * FROM submissions WHERE id = ?", (ident,)).fetchone()

    def set(self, ident: int, status: str, file: str | None = None) -> None:
        self.db.execute("UPDATE submissions SET status = ?, file = ? WHERE id = ?", (status, file, ident))

    def parent_file(self, key: str) -> str | None:
        """The comment id (file stem) the parent submission became, if approved."""
        row = self.db.execute("SELECT file FROM submissions WHERE key = ? AND status = 'approved'",
                              (key,)).fetchone()
        return Path(row[0]).stem if row and row[0] else None

    def close(self) -> None:
        self.db.close()


def _header_value(value: str) -> str:
    return " ".join(str(value).split())  # one line: a newline would start a new header field


def approve(row, content: Path, queue: "Queue", article: str | None = None) -> Path:
    """Write the comment file; returns its path. Refuses an unknown article. A reply
    keeps its thread when its parent was approved before it."""
    slug = article or row["article"]
    if not slug:
        raise IntakeError(f"commentaire {row['id']} : on ne sait pas à quel article il répond ; "
                          "précisez-le avec --article ADRESSE")
    folder = content / FOLDER / slug
    folder.mkdir(parents=True, exist_ok=True)
    base = re.sub(r"[^a-z0-9]+", "-", _fold(row["author"]).replace(" ", "-")).strip("-") or "lecteur"
    number = 1
    while (folder / f"{base}-{number}.md").exists():
        number += 1
    path = folder / f"{base}-{number}.md"
    date = row["date"] or dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
    try:
        date = dt.datetime.fromisoformat(date).isoformat(timespec="minutes")
    except ValueError:
        date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
    lines = [f"Author: {_header_value(row['author'])}", f"Date: {date}"]
    parent = queue.parent_file(row["reply_to"]) if row["reply_to"] else None
    if parent:
        lines.append(f"Reply-To: {parent}")
    if row["website"]:
        lines.append(f"Website: {_header_value(row['website'])}")
    if row["email"]:
        lines.append(f"Email: {_header_value(row['email'])}")
    body = row["body"].strip()
    write_atomic(path, "\n".join(lines) + "\n\n" + body + "\n")
    return path

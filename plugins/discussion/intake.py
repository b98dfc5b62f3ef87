"""Comment intake: submissions go to a pending queue, never straight to the site.

Sources: a mailbox (mbox file or Maildir folder) of replies to the newsletter or
to an article's mailto link, a JSON export of a form service, or an Isso
server's SQLite database. The queue is SQLite (private/commentaires.sqlite3);
approving a submission writes its file under content/conversations/.

Everything a submission says is untrusted, the article it names included:
- an article address (a form's page URL, an Isso thread, a typed `--article`)
  is reduced to one slug (`[a-z0-9-]`, see SLUG) and kept only if the site has
  that article (`Articles.slug_of`); anything else (`/..`, `../x`, `%2e%2e`, an
  absolute path, an unknown page) is stored as "no article", with the address
  as received for the moderator to read;
- approval writes only to content/conversations/<known slug>/, and checks the
  resolved path stays there (a symlinked folder cannot lead it elsewhere);
- the queue refuses a text over MAX_BODY characters (and names over
  MAX_FIELD), naming the source item, so nothing unbounded reaches a build;
- nothing intake writes carries `Role:`: the author's badge is never earned by
  a name or an address (review.py writes the author's own replies).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import mailbox
import os
import re
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from shared import number_fr, reason

from .comments import CONTROLS, FOLDER, SURROGATES

MAX_BODY = 20_000  # characters of a comment's text; the queue refuses longer ones
MAX_FIELD = 500  # characters of a name, an address or a website
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # what a conversation folder may be called (fullmatch)


class IntakeError(Exception):
    """The source or the queue cannot be used, or a submission cannot be approved; French message."""


@dataclass
class Submission:
    key: str  # where it came from, unique: a second import of the same source adds nothing
    article: str  # a known article's slug, "" when it could not be told
    author: str
    email: str
    website: str
    date: str  # ISO 8601
    body: str  # Markdown, untrusted
    reply_to: str = ""
    subject: str = ""
    address: str = ""  # the article address as received (form page URL, Isso thread), untrusted
    origin: str = ""  # the source item, for messages: "reponses.mbox, message n°3 <id@x>"


@dataclass(frozen=True)
class Refused:
    """A submission the queue would not take: `origin` names it, `reason` in French."""
    origin: str
    reason: str


@dataclass(frozen=True)
class Added:
    added: int
    known: int  # already in the queue
    refused: tuple[Refused, ...] = ()
    without_article: int = 0  # taken (new or known) with no article recognised: the moderator names it


# A queued submission: waiting for the moderator, or decided.
Status = Literal["pending", "approved", "rejected"]


def _fold(text: str) -> str:
    """Titles compared the way a reader would: case, accents, quotes and spaces aside."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\W+", " ", text).strip()


@dataclass(frozen=True)
class Articles:
    """The site's articles as intake and review know them: {slug: title}."""
    titles: dict = field(default_factory=dict)

    @classmethod
    def from_index(cls, index) -> "Articles":
        """From publishing.sources.article_index (ArticleRef: slug, title…)."""
        return cls({item.slug: item.title for item in index})

    @functools.cached_property
    def _folded(self) -> dict[str, str]:
        return {_fold(title): slug for slug, title in self.titles.items()}

    def by_title(self, title: str) -> str:
        """The slug of the article called `title` (a "Re: <titre>" subject, prefix removed), or ""."""
        wanted = _fold(title)
        return self._folded.get(wanted, "") if wanted else ""

    def slug_of(self, address) -> str | None:
        """The known article that `address` designates (a slug, /slug/, a full URL), or None."""
        slug = candidate_slug(address)
        return slug if slug in self.titles else None

    def closest(self, address) -> str | None:
        """The known article nearest to `address`, by slug or by title, for a
        suggestion; None only when the site has no article."""
        if not self.titles:
            return None
        typed = str(address or "").strip()
        wanted = candidate_slug(typed) or _fold(typed).replace(" ", "-")
        containing = [slug for slug in self.titles if wanted and wanted in slug]
        if len(containing) == 1:
            return containing[0]
        scored = [(difflib.SequenceMatcher(None, wanted, slug).ratio(), slug) for slug in self.titles]
        scored += [(difflib.SequenceMatcher(None, _fold(typed), title).ratio(), slug)
                   for title, slug in self._folded.items()]
        return max(scored, key=lambda pair: (pair[0], pair[1]))[1]

    def refusal(self, address) -> str:
        """French: why `address` is refused, with the closest article if there is one."""
        closest = self.closest(address)
        hint = (f"\u202f; l’article le plus proche est «\u202f{closest}\u202f» ({self.titles[closest]})" if closest
                else " (le site n’a aucun article)")
        return f"aucun article n’a l’adresse «\u202f{address}\u202f»{hint}"


def candidate_slug(address) -> str | None:
    """The slug an article address points to, if it is well formed: its last path
    segment, percent-decoded, `[a-z0-9-]` only. None for `..`, `%2e%2e`, empty."""
    if not isinstance(address, str):
        return None
    text = address.strip()
    if not text or len(text) > 2000:
        return None
    path = urlsplit(text).path if "://" in text or text.startswith("//") else text.split("?")[0].split("#")[0]
    segments = [unquote(part) for part in path.replace("\\", "/").split("/") if part]
    if segments and segments[-1] in ("index.html", "index.htm"):
        segments.pop()
    if not segments:
        return None
    last = segments[-1]
    if last.endswith(".html"):
        last = last[:-5]
    return last if SLUG.fullmatch(last) else None


def _decoded(raw: bytes, fallback: str | None) -> str:
    """Raw header bytes (no RFC 2047 word): UTF-8 if they are, else the charset the
    message declares, else Windows-1252 (Latin-1 with the curly quotes)."""
    for charset in ("utf-8", fallback, "cp1252"):
        if not charset:
            continue
        try:
            return raw.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("latin-1")


def header_text(value, fallback: str | None = None) -> str:
    """A header as text, whatever its encoding: RFC 2047 words (any charset), raw
    UTF-8 as many clients write it, or raw 8-bit in the charset the message declares."""
    if value is None:
        return ""
    try:
        parts = decode_header(value)
    except (HeaderParseError, UnicodeError, ValueError):
        parts = [(str(value), None)]
    fixed = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            raw = chunk.encode("utf-8", "surrogateescape") if any("\udc80" <= c <= "\udcff" for c in chunk) else None
            fixed.append(_decoded(raw, fallback) if raw is not None else chunk)
            continue
        if charset in (None, "unknown-8bit"):
            fixed.append(_decoded(chunk, fallback))
            continue
        try:
            fixed.append(chunk.decode(charset))
        except (UnicodeDecodeError, LookupError):
            fixed.append(_decoded(chunk, fallback))
    return "".join(fixed)  # decode_header kept the spaces that count


def _declared_charset(message) -> str | None:
    for part in message.walk() if message.is_multipart() else [message]:
        charset = part.get_content_charset()
        if charset:
            return charset
    return None


_ATTRIBUTION = re.compile(r"^(le .+ a écrit|on .+ wrote|.+ a écrit)\s*:?\s*$", re.I)
_PREFIX = re.compile(r"^\s*((re|tr|fwd?|aw|sv)\s*:\s*)+", re.I)


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
                return _decoded_body(payload, part.get_content_charset())
        return ""
    payload = message.get_payload(decode=True) or b""
    return _decoded_body(payload, message.get_content_charset())


def _decoded_body(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


def from_mailbox(path: Path, articles: Articles) -> list[Submission]:
    """Replies by mail; the article is told from the subject, "Re: <titre>"."""
    box = mailbox.Maildir(str(path), create=False) if path.is_dir() else mailbox.mbox(str(path), create=False)
    found = []
    try:
        for number, (key, message) in enumerate(box.iteritems(), start=1):
            charset = _declared_charset(message)
            subject = header_text(message.get("Subject"), charset)
            name, address = parseaddr(header_text(message.get("From"), charset))
            body = reply_text(_plain_body(message))
            if not body or "@" not in address:
                continue
            title = _PREFIX.sub("", subject)
            try:
                date = parsedate_to_datetime(message.get("Date")).isoformat()
            except (TypeError, ValueError, IndexError):
                date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
            ident = header_text(message.get("Message-ID")).strip() or f"{path.name}#{key}"
            found.append(Submission(key=f"courriel:{ident}", article=articles.by_title(title),
                                    author=name or address.split("@")[0], email=address.lower(), website="",
                                    date=date, body=body, subject=subject,
                                    origin=f"{path.name}, message n°{number} {ident}"))
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


def from_json(path: Path, articles: Articles) -> list[Submission]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise IntakeError(f"{path}\u00a0: export JSON illisible ({reason(error)})") from None
    if isinstance(data, dict):  # {"submissions": [...]} and the like
        data = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(data, list):
        raise IntakeError(f"{path}\u00a0: attendu une liste d’envois (ou un objet qui en contient une)")
    found = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            continue

        def pick(field, item=item):
            value = next((item[k] for k in _JSON_KEYS[field] if item.get(k) not in (None, "")), "")
            return (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).strip()

        body = pick("body")
        if not body:
            continue
        ident = pick("id") or f"{number}"
        address = pick("article")
        found.append(Submission(key=f"formulaire:{path.name}:{ident}", article=articles.slug_of(address) or "",
                                author=pick("author") or "Anonyme", email=pick("email").lower(),
                                website=pick("website"), date=pick("date"), body=body,
                                reply_to=f"formulaire:{path.name}:{pick('reply_to')}" if pick("reply_to") else "",
                                address=address, origin=f"{path.name}, entrée n°{number} (id {ident})"))
    return found


def from_isso(path: Path, articles: Articles) -> list[Submission]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        rows = db.execute(
            "SELECT c.id, c.parent, c.created, c.text, c.author, c.email, c.website, t.uri "
            "FROM comments c JOIN threads t ON t.id = c.tid WHERE c.mode != 4 ORDER BY c.created").fetchall()
    except sqlite3.Error as error:
        raise IntakeError(f"{path}\u00a0: base Isso illisible ({reason(error)})") from None
    db.close()
    found = []
    for cid, parent, created, text, author, email, website, uri in rows:
        try:
            date = dt.datetime.fromtimestamp(float(created), dt.timezone.utc).isoformat(timespec="minutes")
        except (TypeError, ValueError, OverflowError, OSError):
            date = ""
        found.append(Submission(key=f"isso:{path.name}:{cid}", article=articles.slug_of(uri) or "",
                                author=str(author or "Anonyme"), email=str(email or "").lower(),
                                website=str(website or ""), date=date, body=str(text or ""),
                                reply_to=f"isso:{path.name}:{parent}" if parent else "",
                                address=str(uri or ""), origin=f"{path.name}, commentaire Isso n°{cid}"))
    return found


def read_source(path: Path, articles: Articles) -> list[Submission]:
    if not path.exists():
        raise IntakeError(f"{path}\u00a0: source introuvable (boîte mbox ou Maildir, export JSON, base Isso)")
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise IntakeError(f"{path}\u00a0: ce dossier n’est pas une boîte Maildir (ni cur/ ni new/)")
        return from_mailbox(path, articles)
    try:
        with path.open("rb") as source:
            head = source.read(16)
    except OSError as error:
        raise IntakeError(f"{path}\u00a0: lecture impossible ({reason(error)})") from None
    if head.startswith(b"SQLite format 3"):
        return from_isso(path, articles)
    if path.suffix.lower() == ".json" or head.lstrip()[:1] in (b"[", b"{"):
        return from_json(path, articles)
    if head and not head.startswith(b"From "):  # an mbox starts with its first message's « From » line
        raise IntakeError(f"{path}\u00a0: ni une boîte mbox (qui commence par une ligne «\u202fFrom\u202f»), ni un "
                          "export JSON, ni une base Isso")
    return from_mailbox(path, articles)


def refusal(submission: Submission) -> str | None:
    """Why the queue will not take `submission` (French), or None."""
    if not submission.body.strip():
        return "le texte est vide"
    if len(submission.body) > MAX_BODY:
        return (f"le texte fait {number_fr(len(submission.body))} caractères, au-delà de la limite de "
                f"{number_fr(MAX_BODY)}\u202f; il n’est pas gardé")
    for label, value in (("le nom", submission.author), ("l’adresse électronique", submission.email),
                         ("le site", submission.website)):
        if len(value) > MAX_FIELD:
            return f"{label} fait {len(value)} caractères, au-delà de la limite de {MAX_FIELD}"
    return None


def _encodable(submission: Submission) -> Submission:
    """Lone surrogates (a JSON "\\ud800", a header decoded with surrogateescape) are
    not text: SQLite, the terminal and the files could not take them."""
    values = {name: SURROGATES.sub("\ufffd", value) if isinstance(value, str) else value
              for name, value in vars(submission).items()}
    return Submission(**values)


QUEUE = "commentaires.sqlite3"  # in PRIVATE_OUTPUT_PATH


def queue_file(settings: dict) -> Path:
    return Path(settings["PRIVATE_OUTPUT_PATH"]) / QUEUE


class Queue:
    COLUMNS = {"address": "TEXT", "origin": "TEXT"}  # added after the first version of the table

    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, "
                "article TEXT, author TEXT, email TEXT, website TEXT, date TEXT, body TEXT, reply_to TEXT, "
                "subject TEXT, status TEXT NOT NULL DEFAULT 'pending', file TEXT, received TEXT NOT NULL)")
            # Readers' reports on published comments (the engagement service's « Signaler »):
            # `comments.review` shows the open ones first.
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, article TEXT NOT NULL, "
                "comment TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', received TEXT NOT NULL, "
                "status TEXT NOT NULL DEFAULT 'open')")
            present = {row[1] for row in self.db.execute("PRAGMA table_info(submissions)")}
            for name, kind in self.COLUMNS.items():
                if name not in present:
                    self.db.execute(f"ALTER TABLE submissions ADD COLUMN {name} {kind}")
        except (OSError, sqlite3.Error) as error:
            raise IntakeError(f"{path}\u00a0: file d’attente inutilisable ({error})") from None

    def add(self, submissions: list[Submission]) -> Added:
        """Queue what is acceptable; the rest comes back as `Refused`, one per item."""
        refused, kept = [], []
        for submission in map(_encodable, submissions):
            reason = refusal(submission)
            if reason:
                refused.append(Refused(submission.origin or submission.key, reason))
            else:
                kept.append(submission)
        before = self.db.total_changes
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.db.executemany(
            "INSERT OR IGNORE INTO submissions (key, article, author, email, website, date, body, reply_to, "
            "subject, received, address, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.key, s.article, s.author, s.email, s.website, s.date, s.body, s.reply_to, s.subject, now,
              s.address, s.origin) for s in kept])
        added = self.db.total_changes - before
        return Added(added, len(kept) - added, tuple(refused), sum(1 for s in kept if not s.article))

    def pending(self) -> list[sqlite3.Row]:
        self.db.row_factory = sqlite3.Row
        return self.db.execute("SELECT * FROM submissions WHERE status = 'pending' ORDER BY date, id").fetchall()

    def get(self, ident: int):
        self.db.row_factory = sqlite3.Row
        return self.db.execute("SELECT * FROM submissions WHERE id = ?", (ident,)).fetchone()

    def set(self, ident: int, status: Status, file: str | None = None) -> None:
        self.db.execute("UPDATE submissions SET status = ?, file = ? WHERE id = ?", (status, file, ident))

    def parent_file(self, key: str) -> str | None:
        """The comment id (file stem) the parent submission became, if approved."""
        row = self.db.execute("SELECT file FROM submissions WHERE key = ? AND status = 'approved'",
                              (key,)).fetchone()
        return Path(row[0]).stem if row and row[0] else None

    def report(self, article: str, comment: str, reason: str = "") -> int:
        """A reader reports comment `comment` (its file's stem) of article `article`."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return self.db.execute("INSERT INTO reports (article, comment, reason, received) VALUES (?, ?, ?, ?)",
                               (article, comment, reason, now)).lastrowid

    def open_reports(self) -> list[sqlite3.Row]:
        """Open reports, one row per reported comment (its count and its reasons), oldest first."""
        self.db.row_factory = sqlite3.Row
        return self.db.execute(
            "SELECT article, comment, COUNT(*) AS count, GROUP_CONCAT(reason, ' | ') AS reasons, "
            "MIN(received) AS first FROM reports WHERE status = 'open' GROUP BY article, comment "
            "ORDER BY first").fetchall()

    def close_reports(self, article: str, comment: str) -> int:
        return self.db.execute("UPDATE reports SET status = 'seen' WHERE article = ? AND comment = ? "
                               "AND status = 'open'", (article, comment)).rowcount

    def close(self) -> None:
        self.db.close()


def header_value(value) -> str:
    """One line, no control characters: a newline (or any line separator) would
    start a new header field."""
    return " ".join(CONTROLS.sub(" ", str(value or "")).split())


def conversation_folder(content: Path, slug: str) -> Path:
    """content/conversations/<slug>/, for a well-formed slug whose resolved path
    stays inside content/conversations/; else IntakeError."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise IntakeError(f"«\u202f{slug}\u202f» n’est pas une adresse d’article (lettres minuscules, "
                          "chiffres et tirets)")
    base = (content / FOLDER).resolve()
    folder = content / FOLDER / slug
    if folder.resolve().parent != base:
        raise IntakeError(f"{FOLDER}/{slug}/ mène hors de {FOLDER}/ (lien symbolique)\u202f: rien n’est écrit")
    return folder


def write_new(folder: Path, base: str, text: str) -> Path:
    """Write `text` to folder/<base>-<n>.md, the first n free, never over an existing
    file or through a link, and never half-written (temporary file, then a hard link)."""
    folder.mkdir(parents=True, exist_ok=True)
    inside = folder.resolve()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")  # ignored by the build
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    try:
        number = 1
        while True:
            path = folder / f"{base}-{number}.md"
            if path.resolve().parent != inside:
                raise IntakeError(f"{path}\u00a0: chemin hors de son dossier, rien n’est écrit")
            try:
                os.link(temporary, path)  # fails if the name exists, even as a link
                return path
            except FileExistsError:
                number += 1
            except OSError:  # a file system without hard links: exclusive creation
                try:
                    with open(path, "x", encoding="utf-8") as stream:
                        stream.write(text)
                    return path
                except FileExistsError:
                    number += 1
    finally:
        os.unlink(temporary)


def file_base(author: str) -> str:
    """A comment id prefix from a name: "Marion Le Bihan" -> "marion-le-bihan"."""
    return re.sub(r"[^a-z0-9]+", "-", _fold(author)).strip("-")[:60].strip("-") or "lecteur"


def target_slug(row, articles: Articles, article: str | None = None) -> str:
    """The article a queued comment goes under: the one typed (`article`, checked) or
    the one intake recognised (checked again: the site may have changed)."""
    wanted = article or row["article"]
    if not wanted:
        received = row["address"] if "address" in row.keys() else ""
        told = f" (adresse reçue\u00a0: «\u202f{received}\u202f»)" if received else ""
        raise IntakeError(f"commentaire {row['id']}\u00a0: on ne sait pas à quel article il répond{told}\u202f; "
                          "précisez-le avec --article ADRESSE")
    slug = articles.slug_of(wanted)
    if slug is None:
        raise IntakeError(f"commentaire {row['id']}\u00a0: {articles.refusal(wanted)}")
    return slug


def approve(row, content: Path, queue: Queue, articles: Articles, article: str | None = None) -> Path:
    """Write the comment file; returns its path. Refuses an unknown article or one
    whose folder would lead outside content/conversations/. A reply keeps its
    thread when its parent was approved before it."""
    folder = conversation_folder(content, target_slug(row, articles, article))
    date = row["date"] or dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
    try:
        date = dt.datetime.fromisoformat(date).isoformat(timespec="minutes")
    except ValueError:
        date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes")
    author = header_value(row["author"]) or "Anonyme"
    lines = [f"Author: {author}", f"Date: {date}"]
    parent = queue.parent_file(row["reply_to"]) if row["reply_to"] else None
    if parent:
        lines.append(f"Reply-To: {parent}")
    if header_value(row["website"]):
        lines.append(f"Website: {header_value(row['website'])}")
    if header_value(row["email"]):
        lines.append(f"Email: {header_value(row['email'])}")
    body = CONTROLS.sub("", row["body"].replace("\r\n", "\n")).strip()  # the file is read in terminals too
    if not body:
        raise IntakeError(f"commentaire {row['id']}\u00a0: le texte est vide")
    return write_new(folder, file_base(author), "\n".join(lines) + "\n\n" + body + "\n")

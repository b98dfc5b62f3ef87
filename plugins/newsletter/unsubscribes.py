"""Unsubscribe requests gathered from a mailbox, with no server of the author's.

The mailto variant of List-Unsubscribe sends a message whose subject is
"desabonnement <token>"; a reader may also write "désabonnement" or
"unsubscribe" by hand. Each request found in an mbox file or a Maildir folder
becomes a line of private/unsubscribed.csv (email, token, date, source), which
`invoke send` reads before writing to anyone.
"""

from __future__ import annotations

import csv
import io
import mailbox
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from publishing.files import write_atomic

FIELDS = ["email", "token", "date", "source"]
_REQUEST = re.compile(r"\b(?:d[ée]sabonnement|d[ée]sinscription|unsubscribe)\b", re.I)
_FROM_LINK = re.compile(r"^\s*desabonnement\s+(\S+)\s*$")  # the subject our mailto link sets


class MailboxError(Exception):
    """The mailbox cannot be read; French message naming it."""


@dataclass(frozen=True)
class Request:
    email: str
    token: str
    date: str
    source: str


def _open(path: Path):
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise MailboxError(f"{path} : ce dossier n’est pas une boîte Maildir (ni cur/ ni new/)")
        return mailbox.Maildir(str(path), create=False)
    if path.is_file():
        return mailbox.mbox(str(path), create=False)
    raise MailboxError(f"{path} : boîte aux lettres introuvable (fichier mbox ou dossier Maildir attendu)")


def _text(value) -> str:
    try:
        return str(make_header(decode_header(value or "")))
    except (UnicodeError, LookupError, ValueError):
        return str(value or "")


def read_requests(path: Path) -> tuple[list[Request], int]:
    """Requests found, and how many messages were not requests."""
    box = _open(path)
    requests, others = [], 0
    try:
        for key, message in box.iteritems():
            subject = _text(message.get("Subject"))
            match = _REQUEST.search(subject)
            address = parseaddr(_text(message.get("Reply-To") or message.get("From")))[1].lower()
            if not match or "@" not in address:
                others += 1
                continue
            link = _FROM_LINK.match(subject)
            token = link.group(1) if link else ""
            try:
                date = parsedate_to_datetime(message.get("Date")).isoformat()
            except (TypeError, ValueError, IndexError):
                date = ""
            requests.append(Request(address, token, date, f"{path.name}#{key}"))
    finally:
        box.close()
    return requests, others


def merge(requests: list[Request], csv_path: Path) -> tuple[int, int]:
    """Add new requests to the CSV (atomically); returns (added, total)."""
    rows = []
    if csv_path.exists():
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    known = {(r.get("email", "").lower(), r.get("token", "")) for r in rows}
    added = 0
    for request in requests:
        if (request.email, request.token) not in known:
            known.add((request.email, request.token))
            rows.append({"email": request.email, "token": request.token, "date": request.date,
                         "source": request.source})
            added += 1
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(csv_path, text.getvalue())
    return added, len(rows)


def unsubscribed(csv_path: Path) -> tuple[set[str], set[str]]:
    """Addresses and tokens that must never be written to again."""
    if not csv_path.exists():
        return set(), set()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return ({r["email"].strip().lower() for r in rows if r.get("email")},
            {r["token"].strip() for r in rows if r.get("token")})

"""Unsubscribe requests gathered from a mailbox, with no server of the author's.

The mailto variant of List-Unsubscribe sends a message whose subject is
"desabonnement <token>"; the site's unsubscribe page prepares the same message.
A reader may also paste the unsubscribe link (…?jeton=<token>) or reply by hand
with "désabonnement" or "unsubscribe".

What a request proves decides what it does:
- a request carrying a token (the mailto subject, or the unsubscribe link in
  the subject or the body) unsubscribes the holder of that token, whoever sent
  it; its address is kept for the record only;
- a request without a token ("sans jeton") unsubscribes the address of its
  `From` header, never `Reply-To` or `Sender`: anyone can write another
  person's address there. `From` can be forged too, so these are listed apart
  for the author to check; `strict` refuses them.

Each request counted becomes a line of private/unsubscribed.csv (email, token,
date, source), which `invoke send` reads before writing to anyone. Every value
written there is escaped for spreadsheets (fields.csv_cell) and read back with
fields.csv_value.
"""

from __future__ import annotations

import csv
import email.policy
import io
import mailbox
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from pathlib import Path

from shared import write_atomic

from .fields import AddressError, address_key, check_address, csv_cell, csv_value, valid_token

FIELDS = ["email", "token", "date", "source"]
UNSUBSCRIBED = "unsubscribed.csv"  # in PRIVATE_OUTPUT_PATH
_REQUEST = re.compile(r"\b(?:d[ée]sabonnement|d[ée]sinscription|unsubscribe)\b", re.I)
_FROM_LINK = re.compile(r"^\s*desabonnement\s+(\S+)\s*$")  # the subject our mailto link sets
_BODY_LIMIT = 1_000_000  # characters of a text part searched for the unsubscribe link


class MailboxError(Exception):
    """The mailbox cannot be read; French message naming it."""


@dataclass(frozen=True)
class Request:
    email: str  # the From address (ASCII form), "" if it had none usable
    token: str  # "" for a request without a token
    date: str
    source: str  # mailbox name#key

    @property
    def tokenless(self) -> bool:
        return not self.token


@dataclass(frozen=True)
class Refusal:
    source: str
    reason: str  # French


@dataclass
class Gathered:
    requests: list[Request] = field(default_factory=list)  # counted
    refused: list[Refusal] = field(default_factory=list)  # requests that prove nothing usable
    others: int = 0  # messages that were not requests

    @property
    def tokenless(self) -> list[Request]:
        return [r for r in self.requests if r.tokenless]


def _open(path: Path):
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise MailboxError(f"{path}\u00a0: ce dossier n’est pas une boîte Maildir (ni cur/ ni new/)")
        return mailbox.Maildir(str(path), create=False)
    if path.is_file():
        return mailbox.mbox(str(path), create=False)
    raise MailboxError(f"{path}\u00a0: boîte aux lettres introuvable (fichier mbox ou dossier Maildir attendu)")


def link_pattern(unsubscribe_url: str) -> re.Pattern:
    """The unsubscribe link (the NEWSLETTER_UNSUBSCRIBE_URL template, `{token}`
    in it), wherever it appears, absolute or not."""
    before = unsubscribe_url.partition("{token}")[0]
    return re.compile(re.escape(before) + r"([A-Za-z0-9_-]{8,128})(?![A-Za-z0-9_-])")


def _tokens_in_body(message, pattern: re.Pattern) -> set[str]:
    found = set()
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError, AssertionError):
            continue  # an unknown charset or a broken part: no link read from it
        found.update(pattern.findall(str(text)[:_BODY_LIMIT]))
    return found


def _from_address(message) -> tuple[str, str]:
    """The single address of the single From header (ASCII form), or "" and why."""
    values = message.get_all("From") or []
    if len(values) != 1:
        return "", "aucun en-tête From" if not values else "plusieurs en-têtes From"
    addresses = values[0].addresses
    if len(addresses) != 1:
        return "", "aucune adresse dans From" if not addresses else "plusieurs adresses dans From"
    try:
        return check_address(addresses[0].addr_spec), ""
    except AddressError as error:
        return "", "adresse From invalide" + (f" ({error.reason})" if error.reason else "")


def examine(message, source: str, *, strict: bool = False,
            link: re.Pattern | None = None) -> Request | Refusal | None:
    """One message: a request to count, a request refused, or None (not a request)."""
    subject = str(message.get("Subject", ""))
    match = _REQUEST.search(subject)
    if not match and not (link and link.search(subject)):
        return None
    try:
        date = message["Date"].datetime.isoformat() if message["Date"] and message["Date"].datetime else ""
    except (AttributeError, ValueError, TypeError):
        date = ""
    address, why = _from_address(message)
    mailto = _FROM_LINK.match(subject)
    tokens = set()
    if mailto and valid_token(mailto.group(1)):
        tokens = {mailto.group(1)}
    elif link:
        tokens = set(link.findall(subject)) or _tokens_in_body(message, link)
    if len(tokens) == 1:
        return Request(address, tokens.pop(), date, source)
    if len(tokens) > 1:
        return Refusal(source, f"{len(tokens)} jetons différents dans la même demande")
    malformed = " (jeton mal formé)" if mailto else ""
    if strict:
        return Refusal(source, f"demande sans jeton{malformed}, écartée par --strict")
    if not address:
        return Refusal(source, f"demande sans jeton{malformed} et {why}")
    return Request(address, "", date, source)


def read_requests(path: Path, *, strict: bool = False,
                  unsubscribe_url: str | None = "desabonnement/?jeton={token}") -> Gathered:
    """Every message of the box examined; a message the parser cannot read is refused, named."""
    box = _open(path)
    link = link_pattern(unsubscribe_url) if unsubscribe_url and "{token}" in unsubscribe_url else None
    parser = BytesParser(policy=email.policy.default)
    gathered = Gathered()
    try:
        for key in box.iterkeys():
            source = f"{path.name}#{key}"
            try:
                outcome = examine(parser.parsebytes(box.get_bytes(key)), source, strict=strict, link=link)
            except (LookupError, ValueError, TypeError, AttributeError) as error:
                # The email package's header parser has raised on hostile input before.
                outcome = Refusal(source, f"message illisible ({type(error).__name__})")
            if outcome is None:
                gathered.others += 1
            elif isinstance(outcome, Refusal):
                gathered.refused.append(outcome)
            else:
                gathered.requests.append(outcome)
    finally:
        box.close()
    return gathered


def _key(email_address: str, token: str) -> tuple[str, str]:
    return ("token", token) if token else ("email", address_key(email_address))


def _read(csv_path: Path) -> list[dict]:
    if not csv_path.exists():
        return []
    with csv_path.open(encoding="utf-8", newline="") as handle:
        return [{name: csv_value(row.get(name) or "") for name in FIELDS} for row in csv.DictReader(handle)]


def merge(requests: list[Request], csv_path: Path) -> tuple[list[Request], int]:
    """Add new requests to the CSV (atomically); returns (requests added, total)."""
    rows = _read(csv_path)
    known = {_key(r["email"], r["token"]) for r in rows}
    added = []
    for request in requests:
        key = _key(request.email, request.token)
        if key not in known:
            known.add(key)
            rows.append({"email": request.email, "token": request.token, "date": request.date,
                         "source": request.source})
            added.append(request)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({name: csv_cell(value) for name, value in row.items()} for row in rows)
    write_atomic(csv_path, text.getvalue())
    return added, len(rows)


def unsubscribed_file(settings: dict) -> Path:
    return Path(settings["PRIVATE_OUTPUT_PATH"]) / UNSUBSCRIBED


def unsubscribed(csv_path: Path) -> tuple[set[str], set[str]]:
    """Addresses (as fields.address_key gives them) and tokens that must never be
    written to again. A line with a token counts for that token only; a line
    without one, for its address."""
    rows = _read(csv_path)
    return ({address_key(r["email"]) for r in rows if r["email"].strip() and not r["token"].strip()},
            {r["token"].strip() for r in rows if r["token"].strip()})

"""Sending an issue: each subscriber gets the edition of their tier, exactly once.

The journal (SQLite) is written before and after every message: `sending`
then `sent`. A rerun of the same command skips what was sent, retries what
was deferred, and reports as ambiguous what was in flight when the process
died (at most one message: the journal is committed around each one).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import smtplib
import socket
import sqlite3
import ssl
import time
from dataclasses import dataclass, field
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from .editions import TOKEN, WIRE, add_related

RECIPIENT = "NENUFAR-DESTINATAIRE"
MESSAGE_ID = "NENUFAR-MESSAGE-ID"
DATE = "NENUFAR-DATE"
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
COLUMNS = ["email", "name", "tier", "token"]


class SendError(Exception):
    """The send cannot start or go on (bad file, SMTP refused the login…); French message."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    tier: str
    token: str
    line: int


def read_subscribers(path: Path, tiers: set[str]) -> tuple[list[Subscriber], list[str]]:
    """Valid subscribers, and one French problem per line skipped (file:line)."""
    shown = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise SendError(f"{path} : fichier des abonnés introuvable") from None
    except OSError as error:
        raise SendError(f"{path} : impossible de lire le fichier des abonnés (erreur système {error.errno})") from error
    with handle:
        try:
            rows = list(csv.reader(handle))
        except (csv.Error, UnicodeDecodeError) as error:
            raise SendError(f"{shown} : fichier CSV illisible ({error})") from error
    if not rows or [c.strip().lower() for c in rows[0]] != COLUMNS:
        found = ",".join(rows[0]) if rows else "(fichier vide)"
        raise SendError(f"{shown}:1 : la première ligne doit être « {','.join(COLUMNS)} », "
                        f"pas « {found} »")
    subscribers, problems, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            problems.append(f"{shown}:{number} : {len(row)} colonnes au lieu de {len(COLUMNS)}, ligne ignorée")
            continue
        address, name, tier, token = (cell.strip() for cell in row)
        if not _ADDRESS.match(address):
            problems.append(f"{shown}:{number} : adresse invalide « {address} », ligne ignorée")
        elif tier not in tiers:
            problems.append(f"{shown}:{number} : palier inconnu « {tier} » pour {address} "
                            f"(paliers : {', '.join(sorted(tiers))}), ligne ignorée")
        elif not token:
            problems.append(f"{shown}:{number} : jeton manquant pour {address} (il personnalise "
                            "le lien de désabonnement), ligne ignorée")
        elif address.lower() in seen:
            problems.append(f"{shown}:{number} : {address} figure déjà ligne {seen[address.lower()]}, "
                            "ligne ignorée")
        else:
            seen[address.lower()] = number
            subscribers.append(Subscriber(address, name, tier, token, number))
    return subscribers, problems


class Journal:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: every write is durable
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS deliveries (issue INTEGER NOT NULL, email TEXT NOT NULL, "
            "tier TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT, "
            "message_id TEXT, updated TEXT NOT NULL, PRIMARY KEY (issue, email))")

    def states(self, issue: int) -> dict[str, tuple[str, str | None]]:
        rows = self.db.execute("SELECT email, status, error FROM deliveries WHERE issue = ?", (issue,))
        return {email: (status, error) for email, status, error in rows}

    def mark(self, issue: int, subscriber: Subscriber, status: str, error: str | None = None,
             message_id: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO deliveries (issue, email, tier, status, attempts, error, message_id, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (issue, email) DO UPDATE SET "
            "status = excluded.status, error = excluded.error, updated = excluded.updated, "
            "message_id = COALESCE(excluded.message_id, message_id), "
            "attempts = attempts + (excluded.status = 'sending')",
            (issue, subscriber.email.lower(), subscriber.tier, status, int(status == "sending"), error,
             message_id, dt.datetime.now(dt.timezone.utc).isoformat()))

    def close(self) -> None:
        self.db.close()


@dataclass
class SmtpConfig:
    host: str
    port: int
    tls: str  # none, starttls, ssl
    user: str | None
    password: str | None

    @classmethod
    def from_settings(cls, settings: dict, environ=os.environ) -> "SmtpConfig":
        def pick(name, default=None):
            value = environ.get(f"NENUFAR_{name}")
            return value if value not in (None, "") else settings.get(name, default)

        tls = str(pick("SMTP_TLS", "starttls")).lower()
        if tls not in ("none", "starttls", "ssl"):
            raise SendError(f"NENUFAR_SMTP_TLS / SMTP_TLS : « {tls} » inconnu (none, starttls ou ssl)")
        port = pick("SMTP_PORT", 465 if tls == "ssl" else 587)
        try:
            port = int(port)
        except ValueError:
            raise SendError(f"NENUFAR_SMTP_PORT / SMTP_PORT : « {port} » n’est pas un numéro de port") from None
        host = pick("SMTP_HOST")
        if not host:
            raise SendError("aucun serveur SMTP : réglez SMTP_HOST ou NENUFAR_SMTP_HOST")
        return cls(str(host), port, tls, pick("SMTP_USER"), pick("SMTP_PASSWORD"))


def _reflow(text: str, limit: int = 900) -> str:
    """Lines short enough for 8bit transfer (998 octets): long lines are broken
    at spaces, which HTML and the wrapped text treat alike."""
    lines = []
    for line in text.split("\n"):
        while len(line.encode("utf-8")) > limit and " " in line[:limit]:
            cut = line.rfind(" ", 0, limit)
            lines.append(line[:cut])
            line = line[cut + 1:]
        lines.append(line)
    return "\n".join(lines)


def wire_template(edition) -> bytes:
    """The edition as bytes with placeholders for what changes per subscriber:
    built once per tier, then only substituted (8bit, so no placeholder is
    ever split by a quoted-printable line break)."""
    from email.message import EmailMessage

    source = edition.message
    message = EmailMessage()
    for header in ("Subject", "From", "Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
                   "X-Nenufar-Tier"):
        if source[header]:
            message[header] = source[header]
    message["To"] = RECIPIENT
    message["Date"] = DATE
    message["Message-ID"] = f"<{MESSAGE_ID}>"
    message.set_content(_reflow(edition.text), charset="utf-8", cte="8bit")
    message.add_alternative(_reflow(edition.html), subtype="html", charset="utf-8", cte="8bit")
    add_related(message, getattr(edition, "related", ()))  # reserved images, inline (base64)
    return message.as_bytes(policy=WIRE)


def personalise(template: bytes, subscriber: Subscriber, domain: str) -> tuple[bytes, str]:
    message_id = make_msgid(domain=domain)
    recipient = formataddr((subscriber.name, subscriber.email), charset="utf-8")
    data = (template.replace(TOKEN.encode(), quote(subscriber.token, safe="").encode())
            .replace(RECIPIENT.encode(), recipient.encode("ascii"))
            .replace(f"<{MESSAGE_ID}>".encode(), message_id.encode())
            .replace(DATE.encode(), format_datetime(dt.datetime.now(dt.timezone.utc).astimezone()).encode()))
    return data, message_id


@dataclass
class Report:
    sent: list = field(default_factory=list)
    already: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (email, error)
    deferred: list = field(default_factory=list)  # (email, error): retried by the next run
    ambiguous: list = field(default_factory=list)
    unsubscribed: list = field(default_factory=list)
    stopped: bool = False


def _temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, OSError))


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "connexion fermée par le serveur"
    if isinstance(error, ConnectionRefusedError):
        return "connexion refusée par le serveur"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "délai dépassé"
    return f"erreur de connexion ({type(error).__name__})"


class Mailer:
    """One SMTP session, reopened when the server drops it."""

    def __init__(self, config: SmtpConfig, timeout: float = 30):
        self.config, self.timeout, self.smtp = config, timeout, None

    def _open(self):
        c = self.config
        # Verified TLS (smtplib's own default checks nothing): the password goes through it.
        context = ssl.create_default_context()
        try:
            if c.tls == "ssl":
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
                if c.tls == "starttls":
                    smtp.starttls(context=context)
        except ssl.SSLCertVerificationError as error:
            raise SendError(f"le certificat du serveur SMTP {c.host} n’a pas pu être vérifié "
                            f"({error.verify_message}) : rien n’a été envoyé") from error
        smtp.ehlo_or_helo_if_needed()  # to know the server's extensions (8BITMIME)
        if c.user:
            smtp.login(c.user, c.password or "")
        self.smtp = smtp

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        if self.smtp is None:
            self._open()
        options = ["BODY=8BITMIME"] if self.smtp.has_extn("8bitmime") else []
        if not options:
            raise SendError(f"le serveur {self.config.host} n’accepte pas le 8 bits (8BITMIME)")
        try:
            self.smtp.sendmail(sender, [recipient], data, mail_options=options)
        except (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout):
            self.close()
            raise
        except smtplib.SMTPException:
            if getattr(self.smtp, "sock", None) is None:  # a 421 closes the session: reopen next time
                self.smtp = None
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def send_issue(editions, subscribers, journal: Journal, mailer: Mailer, *, issue: int, sender: str,
               unsubscribed: set[str], unsubscribed_tokens: set[str] = frozenset(),
               rate: float | None = None, retry_delays=(2, 5, 15, 30),
               stop=lambda: False, on_progress=lambda subscriber, outcome: None) -> Report:
    templates = {e.tier: wire_template(e) for e in editions}  # each edition rendered once
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    envelope_from = parseaddr(sender)[1]
    report = Report()
    states = journal.states(issue)
    interval = 1 / rate if rate else 0
    last = 0.0
    try:
        for subscriber in subscribers:
            key = subscriber.email.lower()
            status = states.get(key, (None, None))[0]
            if key in unsubscribed or subscriber.token in unsubscribed_tokens:
                report.unsubscribed.append(subscriber.email)
                on_progress(subscriber, "unsubscribed")
                continue
            if status == "sent":
                report.already.append(subscriber.email)
                on_progress(subscriber, "already")
                continue
            if status == "sending":  # in flight when an earlier run died: never risk a second copy
                report.ambiguous.append(subscriber.email)
                on_progress(subscriber, "ambiguous")
                continue
            if status == "failed":
                report.failed.append((subscriber.email, states[key][1]))
                on_progress(subscriber, "failed")
                continue
            if stop():
                report.stopped = True
                break
            data, message_id = personalise(templates[subscriber.tier], subscriber, domain)
            for attempt in range(len(retry_delays) + 1):
                if interval:
                    time.sleep(max(0.0, last + interval - time.monotonic()))
                    last = time.monotonic()
                journal.mark(issue, subscriber, "sending", message_id=message_id)
                try:
                    mailer.send(envelope_from, subscriber.email, data)
                except SendError:
                    journal.mark(issue, subscriber, "deferred", "interrompu avant l’envoi")
                    raise
                except (smtplib.SMTPException, OSError) as error:
                    if isinstance(error, smtplib.SMTPAuthenticationError):
                        journal.mark(issue, subscriber, "deferred", _describe(error))
                        raise SendError(f"le serveur SMTP refuse l’identification : {_describe(error)}") from error
                    if _temporary(error) and attempt < len(retry_delays):
                        journal.mark(issue, subscriber, "deferred", _describe(error))
                        time.sleep(retry_delays[attempt])
                        continue
                    status = "deferred" if _temporary(error) else "failed"
                    journal.mark(issue, subscriber, status, _describe(error))
                    (report.deferred if status == "deferred" else report.failed).append(
                        (subscriber.email, _describe(error)))
                    on_progress(subscriber, status)
                    break
                journal.mark(issue, subscriber, "sent")
                report.sent.append(subscriber.email)
                on_progress(subscriber, "sent")
                break
    finally:
        mailer.close()
    return report

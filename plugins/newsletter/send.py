"""Sending an issue: each subscriber gets the edition of their tier, exactly once.

The journal (SQLite) is written before and after every message: `sending`
then `sent`. A rerun of the same command skips what was sent, retries what
was deferred, and reports as ambiguous what was in flight when the process
died (at most one message: the journal is committed around each one).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import smtplib
import socket
import sqlite3
import ssl
import time
from dataclasses import dataclass, field, replace
from typing import Literal, get_args
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from shared import Problem, ProblemError, number_fr, plural

from .config import DEFAULTS
from .editions import TOKEN, WIRE, add_related
from .fields import (NAME_MAX, AddressError, address_key, check_address, control_character,
                     encode_display_name, valid_token)

COLUMNS = ["email", "name", "tier", "token"]


class SendError(ProblemError):
    """The send cannot start or go on (bad file, SMTP refused the login…); French message."""


@dataclass(frozen=True)
class Subscriber:
    email: str  # checked, in its ASCII form: the envelope and the To header
    name: str  # checked: no control character, at most NAME_MAX characters
    tier: str
    token: str  # checked: TOKEN_SHAPE
    line: int


_FIELD_NAMES = {"email": "l’adresse", "name": "le nom", "tier": "le palier", "token": "le jeton"}


def _records(text: str, shown: str):
    """(first line, last line, row) for each CSV record; a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        first = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            limit = f"{csv.field_size_limit():,}".replace(",", "\u202f")
            why = (f"un champ dépasse {limit} caractères, sans doute un guillemet jamais refermé"
                   if "field limit" in str(error) else str(error))
            raise SendError(Problem(shown, first, f"fichier CSV illisible à partir de cette ligne ({why}), "
                                                  "rien n’a été envoyé")) from error
        yield first, reader.line_num, row


def check_row(row: list[str], tiers: set[str], *, test_environment: bool = False) -> tuple[Subscriber | None, str]:
    """A subscriber from one CSV record (line left at 0), or None and why (French,
    without the file:line prefix or the closing « ligne ignorée »)."""
    if len(row) != len(COLUMNS):
        return None, f"{len(row)} colonnes au lieu de {len(COLUMNS)}"
    for column, cell in zip(COLUMNS, row):
        code = control_character(cell)  # before strip(), which would eat U+2028 and friends
        if code:
            what = "saut de ligne" if code in ("U+000A", "U+000D") else f"caractère de contrôle {code}"
            return None, f"{_FIELD_NAMES[column]} contient un {what}"
    raw, name, tier, token = (cell.strip() for cell in row)
    try:
        address = check_address(raw, test_environment=test_environment)
    except AddressError as error:
        return None, f"adresse invalide «\u202f{raw}\u202f»" + (f" ({error.reason})" if error.reason else "")
    if len(name) > NAME_MAX:
        return None, f"nom de {len(name)} caractères pour {address} ({NAME_MAX} au plus)"
    if tier not in tiers:
        return None, (f"palier inconnu «\u202f{tier}\u202f» pour {raw} "
                      f"(paliers\u00a0: {', '.join(sorted(tiers))})")
    if not token:
        return None, f"jeton manquant pour {raw} (il personnalise le lien de désabonnement)"
    if not valid_token(token):
        return None, (f"jeton invalide pour {raw}\u00a0: de 8 à 128 caractères parmi les lettres sans accent, "
                      "les chiffres, «\u202f-\u202f» et «\u202f_\u202f»")
    return Subscriber(address, name, tier, token, 0), ""


def read_subscribers(path: Path, tiers: set[str], *,
                     test_environment: bool = False) -> tuple[list[Subscriber], list[Problem]]:
    """Valid subscribers, and one French problem per record skipped (file:line,
    the line where the record starts). `test_environment` accepts the .test and
    localhost domains (trials); .invalid and the like are always refused."""
    shown = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SendError(Problem(str(path), None, "fichier des abonnés introuvable")) from None
    except OSError as error:
        raise SendError(Problem(str(path), None, "impossible de lire le fichier des abonnés "
                                                 f"(erreur système {error.errno})")) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SendError(Problem(shown, line, f"le fichier n’est pas en UTF-8 (octet 0x{data[error.start]:02X})\u202f; "
                                             "enregistrez-le en «\u202fCSV UTF-8\u202f»")) from None
    records = _records(text, shown)
    header = next(records, None)
    if header is None or [c.strip().lower() for c in header[2]] != COLUMNS:
        found = ",".join(header[2]) if header else "(fichier vide)"
        raise SendError(Problem(shown, 1, f"la première ligne doit être «\u202f{','.join(COLUMNS)}\u202f», "
                                          f"pas «\u202f{found}\u202f»"))
    subscribers, problems, seen = [], [], {}
    for first, last, row in records:
        if not any(cell.strip() for cell in row) and not any(control_character(c) for c in row):
            continue
        subscriber, problem = check_row(row, tiers, test_environment=test_environment)
        if subscriber is not None:
            key = subscriber.email.lower()
            if key in seen:
                problem = f"{row[0].strip()} figure déjà ligne {seen[key]}"
            else:
                seen[key] = first
                subscribers.append(replace(subscriber, line=first))
                continue
        if last > first:
            problem += f" (champ entre guillemets sur les lignes {first} à {last})"
        problems.append(Problem(shown, first, f"{problem}, ligne ignorée"))
    return subscribers, problems


def is_unsubscribed(subscriber: Subscriber, addresses: set[str], tokens: set[str]) -> bool:
    """`addresses` as `address_key` gives them (hand-written requests), `tokens` as written."""
    return subscriber.email.lower() in addresses or subscriber.token in tokens


JOURNAL = "envois.sqlite3"  # in PRIVATE_OUTPUT_PATH


def journal_file(settings: dict) -> Path:
    return Path(settings["PRIVATE_OUTPUT_PATH"]) / JOURNAL


@dataclass(frozen=True)
class Plan:
    """Who gets which edition of an issue, decided before anything is sent:
    `invoke send --dry-run` shows it, the send follows it (send_plan)."""

    editions: tuple  # Edition, one per tier, in the ladder's order
    subscribers: tuple[Subscriber, ...]  # every valid record of the file, in file order
    skipped: tuple[Problem, ...]  # one per record left out, named by file and line
    unsubscribed_addresses: frozenset[str] = frozenset()  # as fields.address_key gives them
    unsubscribed_tokens: frozenset[str] = frozenset()

    @property
    def issue(self) -> int:
        return self.editions[0].issue

    def wants_out(self, subscriber: Subscriber) -> bool:
        return is_unsubscribed(subscriber, self.unsubscribed_addresses, self.unsubscribed_tokens)

    @property
    def recipients(self) -> tuple[Subscriber, ...]:
        return tuple(s for s in self.subscribers if not self.wants_out(s))

    @property
    def unsubscribed(self) -> tuple[Subscriber, ...]:
        return tuple(s for s in self.subscribers if self.wants_out(s))

    def counts(self) -> dict[str, int]:
        """Recipients per tier, in the editions' order (a tier nobody is in counts 0)."""
        return {e.tier: sum(1 for s in self.recipients if s.tier == e.tier) for e in self.editions}

    def summary(self) -> str:
        """« Numéro 2 : 6 destinataires (public 2, abonnes 2, cercle 2), 1 ligne ignorée, 0 désabonné »"""
        skipped = len(self.skipped)
        listing = ", ".join(f"{tier} {n}" for tier, n in self.counts().items())
        return (f"numéro {self.issue}\u00a0: {plural(len(self.recipients), 'destinataire')} ({listing}), "
                f"{plural(skipped, 'ligne ignorée')}, {plural(len(self.unsubscribed), 'désabonné')}")


def plan_recipients(settings: dict, editions, subscribers: Path | None) -> Plan:
    """Who receives `editions`: a plugin that keeps the subscribers answers
    (publishing's `send_recipients` signal: the engagement service's database);
    otherwise the CSV file, minus those who asked to stop."""
    from publishing import first_answer, send_recipients

    from .unsubscribes import unsubscribed_file

    plan = first_answer(send_recipients, settings, editions=editions, subscribers=subscribers)
    if plan is not None:
        return plan
    if subscribers is None:
        raise SendError(Problem("", None, "aucun fichier d’abonnés\u00a0: donnez-le avec --subscribers FICHIER.csv "
                                          "(colonnes email,name,tier,token)"))
    return plan_send(editions, subscribers, unsubscribed_file(settings))


def plan_send(editions, subscribers: Path, unsubscribed: Path, *, test_environment: bool = False) -> Plan:
    """The plan for sending `editions` to the subscribers file, minus those who
    asked to stop (the CSV that `invoke unsubscribes` keeps). SendError when the
    file cannot be read at all."""
    from .unsubscribes import unsubscribed as asked_to_stop

    if any(edition.preview for edition in editions):
        raise SendError(f"le numéro {editions[0].issue} est un brouillon\u00a0: son édition est un aperçu, à relire, "
                        "jamais envoyée (retirez «\u202fStatus: draft\u202f» pour le publier, puis envoyez-le)")
    people, skipped = read_subscribers(subscribers, {e.tier for e in editions}, test_environment=test_environment)
    addresses, tokens = asked_to_stop(unsubscribed)
    return Plan(tuple(editions), tuple(people), tuple(skipped), frozenset(addresses), frozenset(tokens))


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

    def states(self, issue: int) -> dict[str, tuple[Delivery, str | None]]:
        rows = self.db.execute("SELECT email, status, error FROM deliveries WHERE issue = ?", (issue,))
        return {email: (status, error) for email, status, error in rows}

    def mark(self, issue: int, subscriber: Subscriber, status: Delivery, error: str | None = None,
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


Tls = Literal["none", "starttls", "ssl"]
TLS_MODES: tuple[Tls, ...] = get_args(Tls)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: Tls
    user: str | None
    password: str | None = field(default=None, repr=False)  # never in a log or a traceback

    @classmethod
    def from_settings(cls, settings: dict, environ=os.environ) -> "SmtpConfig":
        """NENUFAR_SMTP_* first, then the SMTP_* settings; the password from the environment only."""
        def pick(name):
            value = environ.get(f"NENUFAR_{name}")
            return value if value not in (None, "") else settings[name]

        tls = str(pick("SMTP_TLS")).lower()
        if tls not in TLS_MODES:
            raise SendError(f"NENUFAR_SMTP_TLS / SMTP_TLS\u00a0: «\u202f{tls}\u202f» inconnu (none, starttls ou ssl)")
        port = pick("SMTP_PORT")
        if port is None:  # the port that goes with the TLS mode
            port = 465 if tls == "ssl" else 587
        try:
            port = int(port)
        except ValueError:
            raise SendError(f"NENUFAR_SMTP_PORT / SMTP_PORT\u00a0: «\u202f{port}\u202f» n’est pas un numéro de port") from None
        host = pick("SMTP_HOST")
        if not host:
            raise SendError("aucun serveur SMTP\u00a0: réglez SMTP_HOST ou NENUFAR_SMTP_HOST")
        return cls(str(host), port, tls, pick("SMTP_USER"), environ.get("NENUFAR_SMTP_PASSWORD") or None)


_TOKEN_GROWTH = 128 - len(TOKEN)  # a placeholder becomes a token of at most 128 characters


def _wire_length(text: str) -> int:
    return len(text.encode("utf-8")) + text.count(TOKEN) * _TOKEN_GROWTH


def _last_fitting_space(line: str, limit: int) -> int:
    """Index of the last space before which `line` fits in `limit` octets once
    its placeholders are tokens, or -1. A placeholder holds no space, so the
    length grows segment by segment."""
    best, length, start = -1, 0, 0
    while True:
        space = line.find(" ", start)
        if space < 0:
            return best
        length += _wire_length(line[start:space])
        if length > limit:
            return best
        best = space
        length += 1
        start = space + 1


def _reflow(text: str, limit: int = 900) -> str:
    """Lines short enough for 8bit transfer (998 octets, tokens substituted):
    long lines are broken at spaces, which HTML and the wrapped text treat alike."""
    lines = []
    for line in text.split("\n"):
        while _wire_length(line) > limit:
            cut = _last_fitting_space(line, limit)
            if cut < 0:
                cut = line.find(" ")  # the first word alone is too long: the rest can still be broken
                if cut < 0:
                    break  # no space to break at: left as it is
            lines.append(line[:cut])
            line = line[cut + 1:]
        lines.append(line)
    return "\n".join(lines)


def wire_template(edition) -> bytes:
    """The edition as bytes, built once per tier by the email package, without
    the per-subscriber headers (To, Date, Message-ID) that `personalise` puts in
    front; the token placeholder is the only thing substituted in it (8bit, so
    no placeholder is ever split by a quoted-printable line break)."""
    from email.message import EmailMessage

    source = edition.message
    message = EmailMessage()
    for header in ("Subject", "From", "Reply-To", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
                   "X-Nenufar-Tier"):
        if source[header]:
            message[header] = source[header]
    message.set_content(_reflow(edition.text), charset="utf-8", cte="8bit")
    message.add_alternative(_reflow(edition.html), subtype="html", charset="utf-8", cte="8bit")
    add_related(message, getattr(edition, "related", ()))  # reserved images, inline (base64)
    return message.as_bytes(policy=WIRE)


def personalise(template: bytes, subscriber: Subscriber, domain: str | None,
                now: dt.datetime | None = None) -> tuple[bytes, str]:
    """One subscriber's message: To, Date and Message-ID in front of the template,
    the token in place of its placeholder. Every value was checked when the file
    was read; they are checked again here, cheaply, so that no caller can put a
    line break into a header."""
    if not valid_token(subscriber.token):
        raise ValueError(f"token of line {subscriber.line} is not of the expected shape")
    if control_character(subscriber.email) or not subscriber.email.isascii() or "<" in subscriber.email \
            or ">" in subscriber.email:
        raise ValueError(f"address of line {subscriber.line} was not checked")
    message_id = make_msgid(domain=domain)
    name = encode_display_name(subscriber.name)  # raises on a control character
    recipient = f"{name} <{subscriber.email}>" if name else subscriber.email
    date = format_datetime(now or dt.datetime.now(dt.timezone.utc).astimezone())
    head = f"To: {recipient}\r\nDate: {date}\r\nMessage-ID: {message_id}\r\n".encode("ascii")
    return head + template.replace(TOKEN.encode(), subscriber.token.encode("ascii")), message_id


# What the journal records of one address for one issue.
Delivery = Literal["sending", "sent", "deferred", "failed"]
# What became of one subscriber in this run (on_progress, Report).
Outcome = Literal["sent", "already", "unsubscribed", "ambiguous", "failed", "deferred"]


@dataclass(frozen=True)
class Report:
    """The outcome of one run of `send_issue`, one list per kind, addresses in file order."""

    sent: list = field(default_factory=list)
    already: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (email, error)
    deferred: list = field(default_factory=list)  # (email, error): retried by the next run
    ambiguous: list = field(default_factory=list)  # in flight when an earlier run died: never sent twice
    unsubscribed: list = field(default_factory=list)
    stopped: bool = False  # stop() answered True: the rest waits for the next run

    def summary(self, skipped: int = 0) -> str:
        """The counts, in French; `skipped`: the records of the file left out (Plan.skipped)."""
        return (f"{plural(len(self.sent), 'envoyé')}, {plural(len(self.already), 'déjà envoyé', 'déjà envoyés')}, "
                f"{plural(len(self.unsubscribed), 'désabonné')}, {plural(skipped, 'ligne ignorée')}, "
                f"{number_fr(len(self.failed))} en échec, {number_fr(len(self.deferred))} à reprendre, "
                f"{plural(len(self.ambiguous), 'incertain')}")

    def details(self) -> list[str]:
        """One French line per address that needs the author's eye (addresses and
        server replies are untrusted: print them inert)."""
        return ([f"échec définitif pour {address}\u00a0: {error}" for address, error in self.failed]
                + [f"échec temporaire pour {address}\u00a0: {error} (sera retenté à la prochaine reprise)"
                   for address, error in self.deferred]
                + [f"incertain\u00a0: {address} était en cours d’envoi quand l’envoi précédent s’est arrêté "
                   "brutalement\u202f; il n’est pas renvoyé, vérifiez s’il l’a reçu." for address in self.ambiguous])


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
                            f"({error.verify_message})\u00a0: rien n’a été envoyé") from error
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
               rate: float | None = None, retry_delays=DEFAULTS["SMTP_RETRY_DELAYS"],
               stop=lambda: False, on_progress=lambda subscriber, outcome: None) -> Report:
    templates = {e.tier: wire_template(e) for e in editions}  # each edition rendered once
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    envelope_from = parseaddr(sender)[1]
    done: dict[Outcome, list] = {outcome: [] for outcome in get_args(Outcome)}
    stopped = False

    def record(subscriber: Subscriber, outcome: Outcome, error: str | None = None) -> None:
        done[outcome].append(subscriber.email if error is None else (subscriber.email, error))
        on_progress(subscriber, outcome)

    unsubscribed = {address_key(a) for a in unsubscribed}
    states = journal.states(issue)
    interval = 1 / rate if rate else 0
    last = 0.0
    try:
        for subscriber in subscribers:
            key = subscriber.email.lower()
            status = states.get(key, (None, None))[0]
            if is_unsubscribed(subscriber, unsubscribed, unsubscribed_tokens):
                record(subscriber, "unsubscribed")
                continue
            if status == "sent":
                record(subscriber, "already")
                continue
            if status == "sending":  # in flight when an earlier run died: never risk a second copy
                record(subscriber, "ambiguous")
                continue
            if status == "failed":
                record(subscriber, "failed", states[key][1])
                continue
            if stop():
                stopped = True
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
                        raise SendError(f"le serveur SMTP refuse l’identification\u00a0: {_describe(error)}") from error
                    if _temporary(error) and attempt < len(retry_delays):
                        journal.mark(issue, subscriber, "deferred", _describe(error))
                        time.sleep(retry_delays[attempt])
                        continue
                    status = "deferred" if _temporary(error) else "failed"
                    journal.mark(issue, subscriber, status, _describe(error))
                    record(subscriber, status, _describe(error))
                    break
                journal.mark(issue, subscriber, "sent")
                record(subscriber, "sent")
                break
    finally:
        mailer.close()
    return Report(**done, stopped=stopped)


def send_plan(plan: Plan, journal: Journal, mailer: Mailer, *, sender: str, **options) -> Report:
    """Send what `plan` says (`options`: rate, retry_delays, stop, on_progress, as send_issue takes them)."""
    return send_issue(plan.editions, plan.subscribers, journal, mailer, issue=plan.issue, sender=sender,
                      unsubscribed=set(plan.unsubscribed_addresses), unsubscribed_tokens=set(plan.unsubscribed_tokens),
                      **options)

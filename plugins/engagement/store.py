"""What the service and the author's commands do to the database, one
transaction each (`db.writing`): a crash leaves every write whole or
absent. Functions take an engine and checked values (forms.py checks what
readers send) and return frozen dataclasses or Literal outcomes.

Secrets are looked up by their SHA-256 (an index lookup whose timing says
nothing about the secret) and then compared with `hmac.compare_digest`.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from .db import answers, digest, ideas, later, now, requests, subscribers, unsubscribes, votes, writing


def new_secret() -> str:
    """192 random bits, URL-safe (32 characters of [A-Za-z0-9_-]: a valid newsletter token)."""
    return secrets.token_urlsafe(24)


def _insert_ignoring_duplicates(connection: Connection, table, values: dict, keys: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either database; True if a row was added."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    # RETURNING, not rowcount: psycopg reports no count for a composite key's insert here.
    return connection.execute(statement.returning(table.c[keys[0]])).first() is not None


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    tier: str
    token: str = ""
    status: str = "active"
    created: str = ""
    confirmed: str | None = None
    left_at: str | None = None
    origin: str = "form"

    def __repr__(self) -> str:  # the token opens the reader's links: never in a log
        return f"Subscriber(email=…, tier={self.tier!r}, status={self.status!r})"


def _subscriber(row) -> Subscriber:
    return Subscriber(row.email, row.name, row.tier, row.token, row.status, row.created, row.confirmed,
                      row.left_at, row.origin)


def _by_token(connection: Connection, token: str):
    row = connection.execute(select(subscribers).where(subscribers.c.token_hash == digest(token))).first()
    return row if row is not None and hmac.compare_digest(row.token.encode(), token.encode()) else None


# Subscriptions ---------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    """A request waiting for its confirmation; `secret` goes into the link, once."""
    email: str
    name: str
    secret: str

    def __repr__(self) -> str:
        return "Pending(…)"


def request_subscription(engine: Engine, email: str, name: str, hours: float) -> Pending:
    secret = new_secret()
    with writing(engine) as connection:
        connection.execute(delete(requests).where(requests.c.expires < now()))
        connection.execute(insert(requests).values(kind="subscribe", email=email, name=name, idea=None,
                                                   secret_hash=digest(secret), created=now(),
                                                   expires=later(hours)))
    return Pending(email, name, secret)


def _request(connection: Connection, secret: str, kind: str):
    row = connection.execute(select(requests).where(requests.c.secret_hash == digest(secret),
                                                    requests.c.kind == kind)).first()
    if row is None or row.expires < now():
        return None
    return row


def request_is_open(engine: Engine, secret: str, kind: str = "subscribe") -> bool:
    with engine.connect() as connection:
        found = _request(connection, secret, kind) is not None
        connection.rollback()
    return found


@dataclass(frozen=True)
class Confirmed:
    subscriber: Subscriber
    new: bool  # False: the address was already subscribed (nothing changed)


def confirm_subscription(engine: Engine, secret: str, tier: str) -> Confirmed | None:
    """Activate the request's address (None: unknown or expired link). An address
    that had left comes back with a new token: its old one stays unsubscribed."""
    with writing(engine) as connection:
        row = _request(connection, secret, "subscribe")
        if row is None:
            return None
        connection.execute(delete(requests).where(requests.c.id == row.id))
        current = connection.execute(select(subscribers).where(subscribers.c.email == row.email)).first()
        if current is not None and current.status == "active":
            return Confirmed(_subscriber(current), False)
        token = new_secret()
        values = dict(name=row.name or (current.name if current else ""), token=token, token_hash=digest(token),
                      status="active", confirmed=now(), left_at=None)
        if current is None:
            connection.execute(insert(subscribers).values(email=row.email, tier=tier, created=now(), origin="form",
                                                          **values))
        else:
            connection.execute(update(subscribers).where(subscribers.c.id == current.id).values(**values))
        fresh = connection.execute(select(subscribers).where(subscribers.c.email == row.email)).one()
        return Confirmed(_subscriber(fresh), True)


def subscriber_by_token(engine: Engine, token: str) -> Subscriber | None:
    with engine.connect() as connection:
        row = _by_token(connection, token)
        connection.rollback()
    return _subscriber(row) if row is not None else None


Unsubscribed = Literal["unsubscribed", "already", "recorded"]


def unsubscribe(engine: Engine, token: str) -> Unsubscribed:
    """The holder of `token` receives nothing more. A token the database does not
    know (a subscriber of the author's CSV file) is recorded for `invoke send`."""
    with writing(engine) as connection:
        # The common case in one statement (this is the path mail providers hit in bulk).
        changed = connection.execute(
            update(subscribers).where(subscribers.c.token_hash == digest(token), subscribers.c.status == "active")
            .values(status="unsubscribed", left_at=now()).returning(subscribers.c.token)).first()
        if changed is not None:
            if hmac.compare_digest(changed.token.encode(), token.encode()):
                return "unsubscribed"
            raise RuntimeError("token hash collision")  # rolls the update back; never expected
        if _by_token(connection, token) is not None:
            return "already"
        _insert_ignoring_duplicates(connection, unsubscribes, {"token": token, "date": now()}, ["token"])
        return "recorded"


def active_subscribers(engine: Engine) -> list[Subscriber]:
    with engine.connect() as connection:
        rows = connection.execute(select(subscribers).where(subscribers.c.status == "active")
                                  .order_by(subscribers.c.id)).all()
    return [_subscriber(row) for row in rows]


def all_subscribers(engine: Engine) -> list[Subscriber]:
    with engine.connect() as connection:
        rows = connection.execute(select(subscribers).order_by(subscribers.c.id)).all()
    return [_subscriber(row) for row in rows]


def stopped(engine: Engine) -> tuple[set[str], set[str]]:
    """(addresses, tokens) that asked to stop, through the service."""
    with engine.connect() as connection:
        left = connection.execute(select(subscribers.c.email, subscribers.c.token)
                                  .where(subscribers.c.status != "active")).all()
        tokens = connection.execute(select(unsubscribes.c.token)).scalars().all()
    return {row.email for row in left}, {row.token for row in left} | set(tokens)


# Feedback --------------------------------------------------------------------

Answer = Literal["oui", "non"]
Recorded = Literal["recorded", "changed", "same", "unknown"]


def record_answer(engine: Engine, token: str, issue: int, answer: Answer) -> Recorded:
    """One answer per subscriber and issue; a second one replaces the first."""
    with writing(engine) as connection:
        if _by_token(connection, token) is None:
            return "unknown"
        voter = digest(token)
        previous = connection.execute(select(answers.c.answer).where(answers.c.issue == issue,
                                                                     answers.c.voter == voter)).scalar()
        if previous == answer:
            return "same"
        if previous is None and _insert_ignoring_duplicates(
                connection, answers, {"issue": issue, "voter": voter, "answer": answer, "updated": now()},
                ["issue", "voter"]):
            return "recorded"
        connection.execute(update(answers).where(answers.c.issue == issue, answers.c.voter == voter)
                           .values(answer=answer, updated=now()))
        return "changed"


@dataclass(frozen=True)
class IssueCount:
    issue: int
    yes: int
    no: int


def feedback_counts(engine: Engine, issue: int | None = None) -> list[IssueCount]:
    query = (select(answers.c.issue, answers.c.answer, func.count()).group_by(answers.c.issue, answers.c.answer)
             .order_by(answers.c.issue))
    if issue is not None:
        query = query.where(answers.c.issue == issue)
    counts: dict[int, dict[str, int]] = {}
    with engine.connect() as connection:
        for number, answer, count in connection.execute(query):
            counts.setdefault(number, {})[answer] = count
    if issue is not None and issue not in counts:
        counts[issue] = {}
    return [IssueCount(n, c.get("oui", 0), c.get("non", 0)) for n, c in sorted(counts.items())]


# Subscribers, for the author's commands ---------------------------------------

Changed = Literal["changed", "unknown"]


def set_tier(engine: Engine, email: str, tier: str) -> Changed:
    with writing(engine) as connection:
        done = connection.execute(update(subscribers).where(subscribers.c.email == email).values(tier=tier))
    return "changed" if done.rowcount else "unknown"


@dataclass(frozen=True)
class Forgotten:
    subscriber: bool
    requests: int
    answers: int
    votes: int


def forget(engine: Engine, email: str) -> Forgotten:
    """Every trace of an address: its subscription, requests, answers and votes."""
    with writing(engine) as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.email == email)).first()
        voters = {digest(email)}
        if row is not None:
            voters.add(digest(row.token))
        gone_answers = connection.execute(delete(answers).where(answers.c.voter.in_(voters))).rowcount
        gone_votes = connection.execute(delete(votes).where(votes.c.voter.in_(voters))).rowcount
        gone_requests = connection.execute(delete(requests).where(requests.c.email == email)).rowcount
        if row is not None:
            connection.execute(delete(unsubscribes).where(unsubscribes.c.token == row.token))
            connection.execute(delete(subscribers).where(subscribers.c.id == row.id))
    return Forgotten(row is not None, gone_requests, gone_answers, gone_votes)


def person(engine: Engine, email: str) -> dict | None:
    """One person's data, for a GDPR access request (the token included: it is theirs)."""
    with engine.connect() as connection:
        row = connection.execute(select(subscribers).where(subscribers.c.email == email)).first()
        pending = connection.execute(select(requests.c.kind, requests.c.created, requests.c.expires)
                                     .where(requests.c.email == email)).all()
        voters = {digest(email)} | ({digest(row.token)} if row is not None else set())
        given = connection.execute(select(answers.c.issue, answers.c.answer, answers.c.updated)
                                   .where(answers.c.voter.in_(voters))).all()
        voted = connection.execute(select(votes.c.idea, votes.c.date).where(votes.c.voter.in_(voters))).all()
    if row is None and not pending and not given and not voted:
        return None
    return {"abonnement": dict(row._mapping) | {"token_hash": None} if row is not None else None,
            "demandes": [dict(r._mapping) for r in pending], "avis": [dict(r._mapping) for r in given],
            "votes": [dict(r._mapping) for r in voted]}


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int


def import_subscribers(engine: Engine, people: list) -> Imported:
    """newsletter Subscribers (read and checked from a CSV) added or updated as
    active, in one transaction, keeping their tokens."""
    added = updated = 0
    with writing(engine) as connection:
        for person_ in people:
            email = person_.email.lower()
            current = connection.execute(select(subscribers.c.id).where(subscribers.c.email == email)).first()
            values = dict(name=person_.name, tier=person_.tier, token=person_.token,
                          token_hash=digest(person_.token))
            if current is None:
                connection.execute(insert(subscribers).values(email=email, status="active", created=now(),
                                                              confirmed=None, origin="import", **values))
                added += 1
            else:
                connection.execute(update(subscribers).where(subscribers.c.id == current.id).values(**values))
                updated += 1
    return Imported(added, updated)


def export_csv(people: list[Subscriber], cell) -> str:
    """The active subscribers in the newsletter's CSV shape (email,name,tier,token);
    `cell` escapes values for spreadsheets (newsletter's csv_cell)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["email", "name", "tier", "token"])
    for p in people:
        writer.writerow([cell(p.email), cell(p.name), cell(p.tier), cell(p.token)])
    return text.getvalue()


# Topic ideas ------------------------------------------------------------------

@dataclass(frozen=True)
class Idea:
    id: int
    title: str
    body: str
    author: str
    status: str
    created: str
    votes: int = 0


def propose(engine: Engine, title: str, body: str, author: str) -> int:
    with writing(engine) as connection:
        return connection.execute(insert(ideas).values(title=title, body=body, author=author, status="pending",
                                                       created=now())).inserted_primary_key[0]


def list_ideas(engine: Engine, status: str) -> list[Idea]:
    count = select(func.count()).where(votes.c.idea == ideas.c.id).scalar_subquery()
    with engine.connect() as connection:
        rows = connection.execute(select(ideas, count.label("votes")).where(ideas.c.status == status)
                                  .order_by(ideas.c.id)).all()
    return [Idea(r.id, r.title, r.body, r.author, r.status, r.created, r.votes) for r in rows]


def decide_idea(engine: Engine, ident: int, status: Literal["approved", "rejected"]) -> bool:
    with writing(engine) as connection:
        done = connection.execute(update(ideas).where(and_(ideas.c.id == ident, ideas.c.status == "pending"))
                                  .values(status=status))
    return bool(done.rowcount)


Voted = Literal["counted", "already", "unknown"]


def _vote(connection: Connection, idea: int, voter: str) -> Voted:
    if connection.execute(select(ideas.c.id).where(ideas.c.id == idea, ideas.c.status == "approved")).first() is None:
        return "unknown"
    added = _insert_ignoring_duplicates(connection, votes, {"idea": idea, "voter": voter, "date": now()},
                                        ["idea", "voter"])
    return "counted" if added else "already"


def vote_with_token(engine: Engine, idea: int, token: str) -> Voted:
    """A subscriber's vote, by the token of their letter's link: one per idea."""
    with writing(engine) as connection:
        row = _by_token(connection, token)
        if row is None or row.status != "active":
            return "unknown"
        return _vote(connection, idea, digest(row.email))  # one vote per person, by link or by address


def request_vote(engine: Engine, idea: int, email: str, hours: float) -> Pending:
    secret = new_secret()
    with writing(engine) as connection:
        connection.execute(delete(requests).where(requests.c.expires < now()))
        connection.execute(insert(requests).values(kind="vote", email=email, name="", idea=idea,
                                                   secret_hash=digest(secret), created=now(), expires=later(hours)))
    return Pending(email, "", secret)


def confirm_vote(engine: Engine, secret: str) -> Voted:
    """The vote of a confirmed address: one per idea and address."""
    with writing(engine) as connection:
        row = _request(connection, secret, "vote")
        if row is None:
            return "unknown"
        connection.execute(delete(requests).where(requests.c.id == row.id))
        return _vote(connection, row.idea, digest(row.email))

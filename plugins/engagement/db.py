"""The service's database: one SQLAlchemy Core schema over SQLite or PostgreSQL.

SQLite (the default, PRIVATE_OUTPUT_PATH/ENGAGEMENT_DATABASE) runs in WAL mode
with a 10-second busy timeout and `synchronous=NORMAL`: a committed write
survives any crash of the service's processes (a power cut may lose the last
few; FULL would cost an fsync per write, see BENCHMARKS.md). Writes go through
`writing()`: they begin IMMEDIATE (two workers never deadlock upgrading a read
to a write), and the threads of one process take turns for the write lock
instead of spinning in SQLite's busy handler, whose sleeps make the latency tail.
PostgreSQL is used when NENUFAR_DATABASE_URL names one
(`postgresql+psycopg://user@host/db`). Dates are ISO 8601 text in UTC, which
sorts and compares the same way on both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import threading
import weakref
from pathlib import Path

from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, UniqueConstraint, create_engine, event)
from sqlalchemy.engine import Engine

ENVIRONMENT = "NENUFAR_DATABASE_URL"

metadata = MetaData()

subscribers = Table(
    "subscribers", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # ASCII form, lower case
    Column("name", String(200), nullable=False, default=""),
    Column("tier", String(64), nullable=False),
    Column("token", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # looked up by hash, compared in constant time
    Column("status", String(16), nullable=False),  # active, unsubscribed
    Column("created", String(40), nullable=False),
    Column("confirmed", String(40)),
    Column("left_at", String(40)),
    Column("origin", String(32), nullable=False),  # form, import
)

# Double opt-in requests, and votes waiting for their address to be confirmed.
requests = Table(
    "requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # subscribe, vote
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("idea", Integer),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created", String(40), nullable=False),
    Column("expires", String(40), nullable=False),
)

# Unsubscribes by token that match no subscriber of the database (readers of
# the author's CSV file): `invoke send` honours them too.
unsubscribes = Table(
    "unsubscribes", metadata,
    Column("id", Integer, primary_key=True),
    Column("token", String(128), nullable=False, unique=True),
    Column("date", String(40), nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("issue", Integer, primary_key=True),
    Column("voter", String(64), primary_key=True),  # hash of the subscriber's token
    Column("answer", String(8), nullable=False),  # oui, non
    Column("updated", String(40), nullable=False),
)

ideas = Table(
    "ideas", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("author", String(200), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # pending, approved, rejected
    Column("created", String(40), nullable=False),
)

votes = Table(
    "votes", metadata,
    Column("idea", Integer, primary_key=True),
    Column("voter", String(64), primary_key=True),  # hash of a subscriber token or of a confirmed address
    Column("date", String(40), nullable=False),
    UniqueConstraint("idea", "voter"),
)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def later(hours: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)).isoformat(timespec="seconds")


def digest(secret: str) -> str:
    """What the database keeps of a secret it must recognise: its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def database_url(settings: dict, environ=os.environ) -> str:
    url = environ.get(ENVIRONMENT)
    if url:
        return url
    return f"sqlite:///{Path(settings['PRIVATE_OUTPUT_PATH']) / settings['ENGAGEMENT_DATABASE']}"


def configured(settings: dict, environ=os.environ) -> bool:
    """The author runs the service: ENGAGEMENT_URL is set, or a database is named."""
    return bool(settings.get("ENGAGEMENT_URL") or environ.get(ENVIRONMENT))


def exists(settings: dict, environ=os.environ) -> bool:
    """A database may hold unsubscribes: a server named, or the SQLite file present."""
    return bool(environ.get(ENVIRONMENT)) or (Path(settings["PRIVATE_OUTPUT_PATH"])
                                              / settings["ENGAGEMENT_DATABASE"]).exists()


def _sqlite_pragmas(connection, record) -> None:
    connection.isolation_level = None  # SQLAlchemy's "begin" event below starts the transactions
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get("nenufar_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_write_locks: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def writing(engine: Engine):
    """One write transaction: committed when the block ends, rolled back if it raises."""
    lock = _write_locks.get(engine) or contextlib.nullcontext()
    with lock, engine.connect().execution_options(nenufar_write=True) as connection, connection.begin():
        yield connection


def make_engine(url: str) -> Engine:
    """An engine for `url`, its schema created if missing. Its errors never quote
    the statement's values (`hide_parameters`): addresses stay out of the logs."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False},
                               pool_size=8, max_overflow=8, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        _write_locks[engine] = threading.Lock()
    else:
        engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True, hide_parameters=True)
    metadata.create_all(engine, checkfirst=True)
    return engine


def engine_for(settings: dict, environ=os.environ) -> Engine:
    return make_engine(database_url(settings, environ))

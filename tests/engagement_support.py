"""Real components for the engagement tests: aiosmtpd, PostgreSQL from Debian
(started here, in a temporary folder owned by `postgres`), and the service
under uvicorn on a loopback port."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from conftest import free_port, site_settings, write_content

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


class Mailbox:
    """What the SMTP server accepted, as parsed messages."""

    def __init__(self):
        self.messages: list[tuple[str, email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.arrived:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, message))
            self.arrived.notify_all()
        return "250 Message accepté"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for r, m in self.messages if r == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20):
        """The `count`-th message to `address` (messages leave after the response)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len([1 for r, _ in self.messages if r == address]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no message #{count} for {address}")
                self.arrived.wait(left)
        return self.to(address)[count - 1]


def body(message) -> str:
    return "".join(part.get_content() for part in message.walk()
                   if not part.is_multipart() and part.get_content_maintype() == "text")


def link(message, path: str) -> str:
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S*", body(message))
    assert found, f"no {path} link in the message"
    return found.group(0)


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def _as_postgres(*command, **options):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, **options)


class Unavailable(Exception):
    """PostgreSQL cannot run here; the message says why."""


@contextlib.contextmanager
def postgres_server(durable: bool = False):
    """A PostgreSQL server of Debian's `postgresql` package, in a temporary folder
    owned by `postgres` (initdb and pg_ctl refuse to run as root); yields its URL.
    Tests run it with fsync off; the benchmark, `durable`, as in production."""
    if not PG_BIN:
        raise Unavailable("Debian's postgresql is not installed (invoke test installs it as root)")
    owner = None
    if os.geteuid() == 0:
        import pwd

        if not shutil.which("runuser"):
            raise Unavailable("PostgreSQL refuses to run as root and runuser is missing")
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("no `postgres` user to run PostgreSQL as") from None
    folder = Path(tempfile.mkdtemp(prefix="nenufar-pg-", dir="/tmp"))
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port, bin_ = folder / "data", free_port(), PG_BIN[-1]
    try:
        _as_postgres(bin_ / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                     "--no-sync", cwd=folder)
        _as_postgres(bin_ / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "start", "-o",
                     f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
                     + ("" if durable else " -c fsync=off"),
                     cwd=folder)
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            _as_postgres(bin_ / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop", cwd=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test session (skipped, with the reason, where it cannot run)."""
    try:
        with postgres_server() as url:
            yield url
    except Unavailable as why:
        pytest.skip(str(why))


def fresh_postgres_database(server: str) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    """The environment naming the database: none (SQLite in private/), or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        return {}
    return {"NENUFAR_DATABASE_URL": fresh_postgres_database(request.getfixturevalue("postgres"))}


@dataclass
class Running:
    url: str
    settings: dict
    environ: dict
    server: object
    thread: threading.Thread
    engine: object

    def client(self, origin: str | None = "site") -> httpx.Client:
        headers = {}
        if origin == "site":
            headers["Origin"] = self.settings["SITEURL"]
        elif origin == "service":
            headers["Origin"] = self.url
        elif origin:
            headers["Origin"] = origin
        return httpx.Client(base_url=self.url, headers=headers, timeout=20)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)
        self.engine.dispose()


ARTICLE = """Title: L’avenir est aux communautés
Date: 2026-11-01 10:00
Slug: avenir-communautes
Question: Et vous, où est votre communauté ?

Une communauté qui va en profondeur vaut mieux qu’une foule qui passe.
"""


def start_service(root: Path, environ: dict, mail_port: int, site_url: str = "http://127.0.0.1:9",
                  **overrides) -> Running:
    import uvicorn

    from engagement import engine_for
    from engagement.app import create_app

    content = root / "content"
    if not content.exists():
        write_content(content, {"articles/avenir.md": ARTICLE})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    values = dict(SITEURL=site_url, ENGAGEMENT_URL=url, ENGAGEMENT_MIN_FILL_SECONDS=0, SMTP_HOST="127.0.0.1",
                  SMTP_PORT=mail_port, SMTP_TLS="none")
    values.update(overrides)
    settings = site_settings(root, content, **values)
    environ = {key: value for key, value in environ.items()}
    engine = engine_for(settings, environ)
    app = create_app(settings, environ, engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return Running(url, settings, environ, server, thread, engine)


@pytest.fixture
def service(tmp_path, database, mailbox):
    running = start_service(tmp_path, database, mailbox.port)
    yield running
    running.stop()

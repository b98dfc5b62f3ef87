"""`invoke reactions.fetch` killed with SIGKILL at random moments (issue 11).

A real subprocess, a real loopback server: each trial starts the command on a
fresh store, kills it at a random moment of its run, then runs it again to the
end; the store must then hold exactly what an uninterrupted run stores (no
entry twice, none lost), and no process of the killed run may linger.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from werkzeug.wrappers import Response

SOURCES = 24
ENTRIES = 15
ARTICLE = "Title: L’avenir est aux communautés\nDate: 2026-11-20 08:30\nCategory: Communautés\n\nTexte.\n"


def feed(number: int) -> bytes:
    items = []
    for i in range(ENTRIES):
        date = f"<pubDate>Sat, 21 Nov 2026 10:{i:02d}:00 +0100</pubDate>" if i % 3 else ""  # some undated
        guid = f"<guid>s{number}-e{i}</guid>" if i % 4 else ""  # some keyed by link and title
        items.append(f"<item><title>Billet {i} du blog {number}</title><link>https://b{number}.exemple/{i}</link>"
                     f"{guid}{date}<description><![CDATA[<p>Sur <a href=\"https://nenufar.example/"
                     f"l-avenir-est-aux-communautes/\">ce texte</a>.</p>]]></description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog {number}</title>'
            f"{''.join(items)}</channel></rss>").encode()


@pytest.fixture
def server():
    from pytest_httpserver import HTTPServer

    server = HTTPServer(threaded=True)
    server.start()
    bodies = {n: feed(n) for n in range(SOURCES)}
    first_request = []

    def handler(number):
        def answer(request):
            first_request.append(time.monotonic())
            time.sleep(0.02 + (number % 5) * 0.03)  # the run is spread over time: kills land between commits
            body = bodies[number]
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if number % 2 and request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(body, content_type="application/rss+xml", headers={"ETag": etag} if number % 2 else {})
        return answer

    for number in range(SOURCES):
        path = f"/{number}.xml"
        if number == 3:  # one source moved for good
            server.expect_request("/ancien-3.xml").respond_with_data("", status=301, headers={"Location": path})
        server.expect_request(path).respond_with_handler(handler(number))
    server.first_request = first_request
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def write_opml(project, server):
    outlines = "".join(
        f'<outline type="rss" text="Blog {n}" xmlUrl="{server.url_for(f"/ancien-{n}.xml" if n == 3 else f"/{n}.xml")}" '
        'category="blog"/>' for n in range(SOURCES))
    (project / "reactions").mkdir(exist_ok=True)
    (project / "reactions" / "sources.opml").write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head><title>S</title></head><body>{outlines}</body></opml>',
        encoding="utf-8")


def start(project):
    return subprocess.Popen([sys.executable, "-m", "invoke", "reactions.fetch"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "PYTHONUTF8": "1"})


def finish(project) -> subprocess.CompletedProcess:
    done = start(project)
    out, error = done.communicate(timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, out.decode(), error.decode())


def contents(project) -> list[tuple]:
    """What the store holds, per OPML address: comparable across runs."""
    db = sqlite3.connect(project / "reactions" / "reactions.sqlite3")
    try:
        rows = db.execute("SELECT s.origin, e.key, e.title, e.link, e.week, e.articles FROM entries e "
                          "JOIN sources s ON s.id = e.source_id ORDER BY 1, 2").fetchall()
        sources = db.execute("SELECT origin, url, listed, merged_into IS NULL FROM sources ORDER BY 1").fetchall()
    finally:
        db.close()
    return rows + [("source",) + s for s in sources]


def reset(project):
    for suffix in ("", "-wal", "-shm"):
        path = project / "reactions" / f"reactions.sqlite3{suffix}"
        if path.exists():
            path.unlink()


def wait_for_group(pid: int, seconds: float = 10) -> bool:
    """True once no process of the killed command's session is left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_fetch_killed_at_any_moment_is_completed_by_the_next_run(project, server):
    from conftest import write_content

    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    write_opml(project, server)
    started = time.monotonic()
    reference_run = finish(project)
    duration = time.monotonic() - started
    assert reference_run.returncode == 0, reference_run.stderr
    reference = contents(project)
    entries = sum(1 for row in reference if row[0] != "source")
    assert entries == SOURCES * ENTRIES
    network_from = min(server.first_request) - started  # the command's own start-up comes first
    seed = int(os.environ.get("KILL_SEED", random.randrange(10 ** 6)))
    chance = random.Random(seed)
    trials, partial = 6, 0
    for trial in range(trials):
        reset(project)
        second_run = trial == trials - 1  # the last one kills a re-run (304s, updates) instead
        if second_run:
            assert finish(project).returncode == 0
        # Stratified over the fetching phase, then anywhere from the start: every part of the run is hit.
        moment = (network_from + (trial + chance.random()) / trials * (duration - network_from)) if trial < 4 \
            else chance.uniform(0, duration)
        process = start(project)
        time.sleep(moment)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert wait_for_group(process.pid), f"seed {seed}, trial {trial}: processes of the killed run linger"
        if (project / "reactions" / "reactions.sqlite3").exists() and not second_run:
            held = sum(1 for row in contents(project) if row[0] != "source")
            partial += 0 < held < entries
        done = finish(project)
        assert done.returncode == 0, f"seed {seed}, trial {trial} (killed at {moment:.2f} s):\n{done.stderr}"
        assert contents(project) == reference, f"seed {seed}, trial {trial} (killed at {moment:.2f} s)"
    assert partial, f"seed {seed}: no kill landed between two sources' commits (the test tested nothing)"


def test_no_worker_outlives_a_killed_fetch(project, server):
    """The parsing processes read their end of the pipe: when the fetch dies, they leave."""
    from conftest import write_content

    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    write_opml(project, server)
    process = start(project)
    deadline = time.monotonic() + 60
    while not server.first_request and time.monotonic() < deadline:
        time.sleep(0.01)
    threading.Event().wait(0.4)  # parsing has begun
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert wait_for_group(process.pid)

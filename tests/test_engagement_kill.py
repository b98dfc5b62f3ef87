"""The service killed in the middle of a burst (SIGKILL, no goodbye): every
unsubscribe it acknowledged is in the database, and it starts again on it.
Concurrent votes of one person count once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from conftest import ROOT, free_port
from engagement import make_engine, store
from engagement.db import database_url
from engagement_support import database, postgres  # noqa: F401 (fixtures)
from publishing.build import load_settings

CONF = """import sys
sys.path.insert(0, {root!r})
from pelicanconf import *  # noqa
PATH = {root!r} + "/content"
THEME = {root!r} + "/theme"
PLUGIN_PATHS = [{root!r} + "/plugins"]
PRIVATE_OUTPUT_PATH = {private!r}
ENGAGEMENT_URL = {url!r}
"""


def start(conf: Path, port: int, environ: dict) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "engagement.app:from_environment", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-access-log",
                               "--log-level", "warning", "--app-dir", str(ROOT / "plugins")],
                              env={**os.environ, **environ, "NENUFAR_SETTINGS": str(conf)}, cwd=ROOT,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sante", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and server.poll() is None, "the service did not start"
        time.sleep(0.1)


def test_a_killed_service_loses_no_acknowledged_unsubscribe(tmp_path, database):
    port = free_port()
    conf = tmp_path / "conf.py"
    conf.write_text(CONF.format(root=str(ROOT), private=str(tmp_path / "private"), url=f"http://127.0.0.1:{port}"),
                    encoding="utf-8")
    engine = make_engine(database_url(load_settings(str(conf)), database))
    tokens = [store.new_secret() for _ in range(600)]
    store.import_subscribers(engine, [SimpleNamespace(email=f"l{i}@exemple.fr", name="", tier="abonnes", token=t)
                                      for i, t in enumerate(tokens)])
    server = start(conf, port, database)
    acknowledged, lock, enough = [], threading.Lock(), threading.Event()

    def reader(share):
        with httpx.Client(timeout=5) as client:
            for token in share:
                try:
                    answer = client.post(f"http://127.0.0.1:{port}/desabonnement?jeton={token}",
                                         content=b"List-Unsubscribe=One-Click",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
                except httpx.TransportError:
                    return  # the service is gone
                if answer.status_code == 200:
                    with lock:
                        acknowledged.append(token)
                        if len(acknowledged) >= 150:
                            enough.set()

    threads = [threading.Thread(target=reader, args=(tokens[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    assert enough.wait(120)
    os.killpg(server.pid, signal.SIGKILL)  # mid-burst: requests in flight, transactions open
    server.wait()
    for thread in threads:
        thread.join()
    left = {s.token for s in store.all_subscribers(engine) if s.status == "unsubscribed"}
    assert set(acknowledged) <= left  # nothing acknowledged is lost
    assert len(left) < len(tokens)  # the kill did land mid-burst
    restarted = start(conf, port, database)
    try:
        answer = httpx.post(f"http://127.0.0.1:{port}/desabonnement?jeton={tokens[-1]}",
                            content=b"List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status_code == 200
        assert tokens[-1] in {s.token for s in store.all_subscribers(engine) if s.status == "unsubscribed"}
    finally:
        os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(20)
        engine.dispose()


@pytest.mark.parametrize("kind", ["token", "address"])
def test_concurrent_votes_of_one_person_count_once(tmp_path, database, kind):
    settings = load_settings(str(ROOT / "pelicanconf.py"), {"PRIVATE_OUTPUT_PATH": str(tmp_path / "private")})
    engine = make_engine(database_url(settings, database))
    try:
        store.import_subscribers(engine, [SimpleNamespace(email="lea@exemple.fr", name="", tier="abonnes",
                                                          token="jeton-lea-000001")])
        idea = store.propose(engine, "Un sujet", "", "")
        store.decide_idea(engine, idea, "approved")
        secrets_ = [store.request_vote(engine, idea, "lea@exemple.fr", 1).secret for _ in range(10)]
        outcomes, barrier = [], threading.Barrier(20)

        def vote(i):
            barrier.wait()
            if kind == "token" or i >= 10:
                outcomes.append(store.vote_with_token(engine, idea, "jeton-lea-000001"))
            else:
                outcomes.append(store.confirm_vote(engine, secrets_[i]))

        threads = [threading.Thread(target=vote, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes).count("counted") == 1 and len(outcomes) == 20
        assert store.list_ideas(engine, "approved")[0].votes == 1
    finally:
        engine.dispose()

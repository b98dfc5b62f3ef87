"""Live comments (optional): a real Isso server, its widget in the article, and its
database brought into the static moderation queue."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port, serve_folder, site_settings, write_content
from publishing.build import build
from test_cli import invoke
from test_discussion import ARTICLE, SLUG

ISSO = ROOT / ".venv-isso" / "bin" / "isso"
pytestmark = pytest.mark.browser


@pytest.fixture
def isso(tmp_path):
    if not ISSO.exists():
        pytest.skip("Isso is not installed (invoke test installs it in .venv-isso)")
    site_port, isso_port = free_port(), free_port()
    db = tmp_path / "isso" / "comments.db"
    db.parent.mkdir()
    config = tmp_path / "isso" / "isso.cfg"
    config.write_text(f"""[general]
dbpath = {db}
host = http://127.0.0.1:{site_port}/
[server]
listen = http://127.0.0.1:{isso_port}/
[guard]
enabled = false
[moderation]
enabled = false
""", encoding="utf-8")
    server = subprocess.Popen([str(ISSO), "-c", str(config), "run"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", isso_port)) == 0:
                break
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail(f"Isso did not start: {server.stderr.read().decode(errors='replace')[-800:]}")
        time.sleep(0.2)
    yield {"url": f"http://127.0.0.1:{isso_port}", "site_port": site_port, "db": db}
    server.terminate()
    server.wait(timeout=10)


def test_isso_comment_shows_in_the_article_and_is_imported_for_moderation(isso, tmp_path, browser, project):
    site_url = f"http://127.0.0.1:{isso['site_port']}"
    write_content(tmp_path / "site" / "content", {"articles/avenir.md": ARTICLE})
    settings = site_settings(tmp_path / "site", tmp_path / "site" / "content", SITEURL=site_url,
                             FEED_DOMAIN=site_url, ISSO_URL=isso["url"] + "/")
    build(settings)
    server = serve_folder(Path(settings["OUTPUT_PATH"]), isso["site_port"])
    try:
        posted = urllib.request.urlopen(urllib.request.Request(
            f"{isso['url']}/new?uri=%2F{SLUG}%2F", method="POST",
            data=json.dumps({"text": "Un commentaire déposé en direct.", "author": "Lou",
                             "title": "L’avenir est aux communautés"}).encode(),
            headers={"Content-Type": "application/json", "Origin": site_url, "Referer": site_url + "/"}),
            timeout=10)
        assert posted.status == 201
        page = browser.new_page()
        try:
            page.goto(f"{site_url}/{SLUG}/")
            script = page.locator(f'script[src="{isso["url"]}/js/embed.min.js"]')
            assert script.count() == 1
            page.locator(".isso-comment").filter(has_text="Un commentaire déposé en direct.").wait_for(timeout=20_000)
        finally:
            page.close()
    finally:
        server.shutdown()
    rows = sqlite3.connect(isso["db"]).execute("SELECT count(*) FROM comments").fetchone()
    assert rows == (1,)
    write_content(project / "content", {"articles/avenir.md": ARTICLE})
    done = invoke(project, "comments.import", str(isso["db"]))
    assert done.returncode == 0, done.stderr
    assert "1 nouveau commentaire en attente" in done.stdout
    approved = invoke(project, "comments.review", "--approve", "1")
    assert approved.returncode == 0, approved.stderr
    text = (project / "content" / "conversations" / SLUG / "lou-1.md").read_text(encoding="utf-8")
    assert text.startswith("Author: Lou\n") and "Un commentaire déposé en direct." in text

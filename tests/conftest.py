"""Shared fixtures: build real sites with Pelican into temporary folders."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from publishing.build import BuildResult, build, load_settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class Site:
    root: Path
    output: Path
    result: BuildResult

    def file(self, path: str) -> Path:
        return self.output / path

    def text(self, path: str) -> str:
        return (self.output / path).read_text(encoding="utf-8")

    def soup(self, path: str) -> BeautifulSoup:
        return BeautifulSoup(self.text(path), "lxml")

    def all_files(self):
        return sorted(p for p in self.output.rglob("*") if p.is_file())


def write_content(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def site_settings(root: Path, content: Path, **overrides) -> dict:
    values = {
        "PATH": str(content),
        "OUTPUT_PATH": str(root / "output"),
        "CACHE_PATH": str(root / "cache"),
        "PRIVATE_OUTPUT_PATH": str(root / "private"),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "PAGEFIND": False,
        "LOAD_CONTENT_CACHE": False,
    }
    values.update(overrides)
    return load_settings(str(ROOT / "pelicanconf.py"), values)


@pytest.fixture
def build_site(tmp_path):
    """Build a site from {relative path: Markdown}; returns a Site."""

    def _build(files: dict[str, str], **overrides) -> Site:
        content = tmp_path / "content"
        write_content(content, files)
        settings = site_settings(tmp_path, content, **overrides)
        result = build(settings)
        return Site(tmp_path, Path(settings["OUTPUT_PATH"]), result)

    return _build


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float) -> bool:
    """Whether something listens on 127.0.0.1:`port` within `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@pytest.fixture
def threaded_server():
    """A real HTTP server answering several requests at once (a slow source must not hold up the others)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def reactions_store(tmp_path):
    from reactions.store import Store

    store = Store(tmp_path / "reactions.sqlite3")
    yield store
    store.close()


def letter_editions(root: Path, files: dict[str, str]) -> list:
    """The editions of the latest issue among `files`, built under `root` with a public SITEURL."""
    write_content(root / "content", files)
    result = build(site_settings(root, root / "content", SITEURL="https://lettre.exemple.fr",
                                 NEWSLETTER_EDITION="latest"))
    return list(result.editions)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_folder(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The real demo content, built once with search, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("demo")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = site_settings(root, ROOT / "content", SITEURL=url, FEED_DOMAIN=url, PAGEFIND=True)
    result = build(settings)
    server = serve_folder(Path(settings["OUTPUT_PATH"]), port)
    site = Site(root, Path(settings["OUTPUT_PATH"]), result)
    site.url = url
    yield site
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (invoke test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def node_tool(*parts: str) -> Path:
    path = ROOT.joinpath("node_modules", *parts)
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is missing (invoke test runs npm ci)")
    return path


def make_project(folder: Path, content: Path | None = None) -> Path:
    """The repository's author-facing files in `folder`, to run invoke in: the tasks and
    settings copied, theme and plugins linked; content/ empty, or linked to `content`."""
    for name in ("tasks.py", "pelicanconf.py", "publishconf.py"):
        shutil.copy(ROOT / name, folder / name)
    for name in ("theme", "plugins"):
        (folder / name).symlink_to(ROOT / name)
    if content is None:
        (folder / "content").mkdir()
    else:
        (folder / "content").symlink_to(content)
    return folder


@pytest.fixture
def project(tmp_path):
    """A copy of the repository's author-facing files, to run invoke in."""
    return make_project(tmp_path)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`: its path relative to it, its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def python_markdown_only():
    """Every text converted by Python-Markdown itself: the plain fast path
    (tiers.plain) off, as the reference the fast path is held to."""
    from tiers import render
    from tiers.plain import Plain

    kept = Plain.__dict__["of"]
    Plain.of = classmethod(lambda cls, md: None)
    render._local.shared = None  # its instance knows whether the fast path applies
    try:
        yield
    finally:
        Plain.of = kept
        render._local.shared = None

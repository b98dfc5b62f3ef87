"""`invoke serve` and `invoke livereload`: the built site on localhost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pelican.server import ComplexHTTPRequestHandler

from shared import inert


class SiteHandler(ComplexHTTPRequestHandler):
    """Pelican's handler, but a missing page gets the site's own 404.html with a
    404 status, as on a real host, instead of an empty reply and an English log."""

    def get_path_that_exists(self, original_path):
        for suffix in self.SUFFIXES:
            if original_path.endswith("/") or suffix != "/":
                candidate = original_path.rstrip("/") + suffix
                if Path(self.translate_path(candidate)).exists():
                    return candidate
        return None

    def do_GET(self):
        if self.get_path_that_exists(self.path.split("?", 1)[0]) is None:
            page = Path(self.base_path) / "404.html"
            body = page.read_bytes() if page.exists() else "Page introuvable".encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format, *args):
        pass  # one line per request would drown the author's terminal


def make_server(output: Path, host: str = "localhost", port: int = 8000) -> ThreadingHTTPServer:
    handler = partial(SiteHandler, directory=str(output))
    SiteHandler.base_path = str(output)
    return ThreadingHTTPServer((host, port), handler)


def watch_paths(settings: dict) -> list[str]:
    """What livereload watches: content, theme, plugins and the settings."""
    paths = [settings["PATH"], settings["THEME"], "plugins", "pelicanconf.py", "publishconf.py"]
    return [p for p in paths if Path(p).exists()]


def siteurl_port(settings: dict) -> int | None:
    """The local port SITEURL points to, if it is a local address."""
    parts = urlsplit(settings.get("SITEURL") or "")
    if parts.hostname in ("localhost", "127.0.0.1"):
        return parts.port or 80
    return None


def seconds_fr(seconds: float) -> str:
    return f"{seconds:.2f}".replace(".", ",") + "\u00a0s"


BROWSER_HEAD_START = 0.3  # seconds between the quick page's reload and the full build
INDEX_AFTER = 0.05  # seconds between the quick page's reload and the search index's update


def rebuild_on_change(live, paths: list[str], full: Callable[[], bool], reload: Callable[[], None],
                      say: Callable[[str], None], stop: threading.Event) -> None:
    """livereload's worker: at each save, the quick path if it applies (the page in
    place and the browsers reloaded at once), then the full build, which confirms it.

    The changes come from the system's notifications (watchfiles: inotify here),
    not from polling; while a build runs, the next saves wait and come together.
    `full` builds and says so (False if the build failed); `reload` asks the
    browsers to reload, from any thread."""
    import watchfiles

    for changes in watchfiles.watch(*paths, stop_event=stop, step=20, debounce=400, raise_interrupt=False):
        changed = sorted({Path(path) for _, path in changes})
        try:
            quick = live.quick(changed)
        except Exception as error:  # a fault of the quick path must not end the rebuilds
            say(f"Voie rapide abandonnée ({inert(error)})\u00a0: la construction complète suit.")
            quick = None
        if quick:
            gone = f"retirée\u00a0: {inert(', '.join(quick.removed))}" if quick.removed else ""
            if quick.pages:
                say(f"Page à jour en {seconds_fr(quick.seconds)}\u00a0: {inert(', '.join(quick.pages))}"
                    + (f" ({gone})" if gone else ""))
            else:
                say(f"Page {gone} (en {seconds_fr(quick.seconds)})")
            reload()
            # The browsers fetch the page now: the server that answers them needs the
            # interpreter, which the index's update (then the build) would take.
            started = time.perf_counter()
            stop.wait(INDEX_AFTER)
            for problem in live.placed():  # the search index: only the saved page's part is written
                say(inert(problem))
            stop.wait(max(0.0, BROWSER_HEAD_START - (time.perf_counter() - started)))
        shown = {page: _bytes(live, page) for page in (*quick.pages, *quick.removed)} if quick else {}
        try:
            built = full()
        except Exception as error:  # not a build problem (those are said by full): say it, keep watching
            say(f"Erreur\u00a0: la construction s’est arrêtée\u00a0: {inert(error)}")
            built = False
        if not quick or any(_bytes(live, page) != data for page, data in shown.items()) or not built:
            reload()  # the site changed beyond the quick page, or the page was put back


def _bytes(live, page: str) -> bytes | None:
    try:
        return (Path(live.result.output_path) / page).read_bytes()
    except OSError:
        return None


class NoPolling:
    """For python-livereload's server: it serves the site and talks to the browsers;
    rebuild_on_change watches and tells it when to reload (it would otherwise poll
    every file every 0.8 s, and watch the whole folder if given nothing)."""

    _tasks = {"(rebuild_on_change)": None}
    filepath = None  # what the server names in its reload messages: the whole page

    def __init__(self):
        self._changes: list = []

    def watch(self, *args, **kwargs):
        pass

    def start(self, callback) -> bool:
        return True  # no polling

    def examine(self):
        return None, None

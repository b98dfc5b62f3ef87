"""`invoke serve` and `invoke livereload`: the built site on localhost."""

from __future__ import annotations

from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pelican.server import ComplexHTTPRequestHandler


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

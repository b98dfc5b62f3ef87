"""`invoke serve` and `invoke livereload`: the built site on localhost."""

from __future__ import annotations

from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pelican.server import ComplexHTTPRequestHandler


def make_server(output: Path, host: str = "localhost", port: int = 8000) -> ThreadingHTTPServer:
    handler = partial(ComplexHTTPRequestHandler, directory=str(output))
    ComplexHTTPRequestHandler.base_path = str(output)
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

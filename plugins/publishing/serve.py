"""`invoke serve` and `invoke livereload`: the built site on localhost."""

from __future__ import annotations

from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from pelican.server import ComplexHTTPRequestHandler


def make_server(output: Path, host: str = "localhost", port: int = 8000) -> ThreadingHTTPServer:
    handler = partial(ComplexHTTPRequestHandler, directory=str(output))
    ComplexHTTPRequestHandler.base_path = str(output)
    return ThreadingHTTPServer((host, port), handler)


def watch_paths(settings: dict) -> list[str]:
    """What livereload watches: content, theme, plugins and the settings."""
    paths = [settings["PATH"], settings["THEME"], "plugins", "pelicanconf.py", "publishconf.py"]
    return [p for p in paths if Path(p).exists()]

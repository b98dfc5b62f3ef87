"""Pagefind's service mode (`pagefind --service`), spoken directly.

The service keeps an index in memory: a page added again under the same
address replaces its record, and each write makes the whole bundle from what
it holds. Its protocol is base64 JSON messages ended by a comma, on the
process's standard input and output. The `pagefind` package's own client is
asynchronous and sleeps 0.1 s before reading each answer: a thousand pages
would take a hundred seconds to add, and a one-page update 0.2 s more. This
client is synchronous, reads at once, and sends pages in batches.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading


def binary() -> list[str]:
    """The binary itself: `python -m pagefind` only finds it and runs it, in 0.08 s."""
    try:
        from pagefind_bin_extended import get_executable

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "pagefind"]


class ServiceError(Exception):
    """Pagefind's service refused a request or stopped; the message says why."""


class Service:
    def __init__(self, config: dict):
        self._process = subprocess.Popen([*binary(), "--service"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._lock = threading.Lock()  # one question at a time, whichever thread asks
        self._next = 0
        self._buffer = b""
        self.config = config
        try:
            self.index = self.new_index()
        except ServiceError:
            self.close()  # nothing left running
            raise

    def new_index(self) -> int:
        """Another index in the same service (a part of a large site's: parts.py)."""
        return self.ask({"type": "NewIndex", "config": self.config})["index_id"]

    def ask(self, payload: dict) -> dict:
        """The service's answer to `payload`; ServiceError if it refuses or has stopped."""
        return self._exchange([payload])[0]

    def _exchange(self, payloads: list[dict]) -> list[dict]:
        """Every request sent, then every answer read: no wait between two requests
        (the service reads them while it works). A batch's answers must fit the pipe."""
        with self._lock:
            try:
                for payload in payloads:
                    self._next += 1
                    message = json.dumps({"message_id": self._next, "payload": payload}).encode("utf-8")
                    self._process.stdin.write(base64.b64encode(message) + b",")
                self._process.stdin.flush()
                answers = [json.loads(base64.b64decode(self._read())) for _ in payloads]
            except (OSError, ValueError) as error:
                raise ServiceError(f"le service Pagefind s’est arrêté ({error})") from error
        found = [answer.get("payload") or {} for answer in answers]
        for payload in found:
            if payload.get("type") == "Error":
                raise ServiceError(payload.get("message") or "erreur sans message")
        return found

    def _read(self) -> bytes:
        while b"," not in self._buffer:
            chunk = self._process.stdout.read1(1 << 20)
            if not chunk:
                raise OSError("fin de sa sortie")
            self._buffer += chunk
        answer, _, self._buffer = self._buffer.partition(b",")
        return answer

    BATCH = 64  # answers of about 200 bytes: well within a pipe's 64 KiB

    def add_pages(self, pages, index: int | None = None) -> None:
        """Each (path, html): `path` is the page's file relative to the site (its address
        is made from it); a page added again under the same address replaces its record."""
        index = self.index if index is None else index
        batch = []
        for path, html in pages:
            batch.append({"type": "AddFile", "index_id": index, "file_path": path, "url": None,
                          "file_contents": html})
            if len(batch) == self.BATCH:
                self._exchange(batch)
                batch = []
        if batch:
            self._exchange(batch)

    def write(self, folder: str, index: int | None = None) -> None:
        """The whole bundle (index, fragments, scripts) written into `folder`.

        Pagefind 1.5.2 answers before its last bytes are on disk (it drops its files
        unflushed: upstream issue 1271, fixed after that release), so a file read at once
        may still be short for a few milliseconds. The live index copes: it writes the
        parts one after the other, the first (the bundle's root) first, and a part it
        cannot read back is made anew. Asking for the files instead (GetFiles) would
        have them whole, but Pagefind then compresses every fragment again: 0.06 s more
        a part."""
        self.ask({"type": "WriteFiles", "index_id": self.index if index is None else index,
                  "output_path": folder})

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:
                pass

"""Parsing in worker processes, each job with a deadline.

feedparser is pure Python and some bytes make it slow (a 5 MB run of nested
tags: 24 s, 500 MB); the cores, not the network, are the limit. So feeds are
parsed in worker processes, one per core: a parse past its source's time is
stopped by killing its worker (replaced on demand), a parse that exhausts the
worker's memory fails alone, and the fetching process never imports feedparser.

The protocol is ours on both ends: a length-prefixed pickle each way over the
worker's standard input and output.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
import sys
from pathlib import Path

from .parse import ParseError, Parsed

PLUGINS = str(Path(__file__).resolve().parent.parent)
MEMORY = 1536 * 1024 * 1024  # address space of one worker: a hostile feed exhausts this, not the machine
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from reactions.worker import serve; serve()"
_LENGTH = struct.Struct(">I")


def serve() -> None:
    """The worker's loop: read a job, answer ("ok", Parsed) or ("error", French message)."""
    import resource

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing printed by a library can break the protocol
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    except (ValueError, OSError):
        pass
    import feedparser  # noqa: F401 - paid once, before the first job

    from .parse import parse

    source = sys.stdin.buffer
    out.write(b"R")
    out.flush()
    while True:
        header = source.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            return  # the fetching process is gone
        job = pickle.loads(source.read(_LENGTH.unpack(header)[0]))
        try:
            answer = ("ok", parse(*job))
        except ParseError as error:
            answer = ("error", str(error))
        except MemoryError:
            answer = ("error", "flux illisible\u00a0: il demande trop de mémoire")
        except RecursionError:
            answer = ("error", "flux illisible\u00a0: imbrication trop profonde")
        except Exception as error:  # noqa: BLE001 - reported as the source's error, with its type
            answer = ("crash", type(error).__name__)
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(payload)) + payload)
        out.flush()


class ParseCrash(Exception):
    """The parser raised something unforeseen (its type name is the message)."""


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    def kill(self) -> None:
        if self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass


class ParsePool:
    """At most `size` worker processes, started when first needed; a dead one is replaced on demand."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.slots = asyncio.Semaphore(self.size)  # one per worker that may run a job
        self.idle: list[_Worker] = []
        self.workers: set[_Worker] = set()
        self.dead: list[_Worker] = []

    async def _start(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _BOOT, PLUGINS, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, limit=2 ** 26)
        worker = _Worker(process)
        self.workers.add(worker)
        try:
            if await process.stdout.readexactly(1) != b"R":
                raise EOFError
        except (asyncio.IncompleteReadError, EOFError):
            self._drop(worker)
            raise ParseError("l’analyse n’a pas pu commencer (processus d’analyse arrêté au démarrage)") from None
        return worker

    def _drop(self, worker: _Worker) -> None:
        worker.kill()
        self.workers.discard(worker)
        self.dead.append(worker)  # reaped in close()

    async def parse(self, data: bytes, url: str, content_type: str, max_entries: int, timeout: float) -> Parsed:
        """Parsed, or ParseError (French) when the parse fails, dies or outlives `timeout` seconds
        (counted once a worker is free: waiting for one does not count)."""
        async with self.slots:
            worker = self.idle.pop() if self.idle else await self._start()
            job = pickle.dumps((data, url, content_type, max_entries), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                answer = await asyncio.wait_for(self._ask(worker, job), max(timeout, 0.001))
            except asyncio.TimeoutError:
                self._drop(worker)
                raise ParseError(f"analyse trop longue (plus de {timeout:.0f}\u00a0s)\u00a0: arrêtée") from None
            except (asyncio.IncompleteReadError, BrokenPipeError, ConnectionResetError, EOFError):
                self._drop(worker)
                raise ParseError("l’analyse a échoué\u00a0: le processus d’analyse s’est arrêté (mémoire ?)") from None
            except BaseException:  # cancelled: the worker is in an unknown state
                self._drop(worker)
                raise
            self.idle.append(worker)
        status, value = answer
        if status == "ok":
            return value
        if status == "crash":
            raise ParseCrash(value)
        raise ParseError(value)

    @staticmethod
    async def _ask(worker: _Worker, job: bytes):
        process = worker.process
        process.stdin.write(_LENGTH.pack(len(job)) + job)
        await process.stdin.drain()
        header = await process.stdout.readexactly(_LENGTH.size)
        return pickle.loads(await process.stdout.readexactly(_LENGTH.unpack(header)[0]))

    async def close(self) -> None:
        for worker in list(self.workers):
            if worker.process.stdin and not worker.process.stdin.is_closing():
                worker.process.stdin.close()  # the worker reads EOF and leaves
        for worker in list(self.workers):
            try:
                await asyncio.wait_for(worker.process.wait(), 2)
            except asyncio.TimeoutError:
                worker.kill()
                await worker.process.wait()
        for worker in self.dead:
            await worker.process.wait()
        self.workers.clear()
        self.dead.clear()

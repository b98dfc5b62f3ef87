"""A response body decompressed as it streams, never past a limit.

httpx decompresses each network chunk whole before anyone can count it: with
`Content-Encoding: gzip, gzip`, a 988-byte response grew to about 1 GB in
memory. Here the raw bytes go through one incremental decoder per encoding,
each asked for at most CHUNK bytes at a time, and the decompressed bytes are
counted as they come out: past the limit, the read stops. Memory stays within
the limit plus a few chunks, whatever the ratio.
"""

from __future__ import annotations

import zlib

CHUNK = 64 * 1024
MAX_ENCODINGS = 2  # « gzip, gzip » is lawful; more is an attack or a mistake


class BodyError(Exception):
    """The body cannot be read within the limits; French message."""


class _Inflate:
    """gzip (several members too) or deflate (zlib-wrapped or raw), bounded output per call."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self.gzip = encoding in ("gzip", "x-gzip")
        self.decoder = zlib.decompressobj(31 if self.gzip else 15)
        self.first = True
        self.finished = False

    def feed(self, data: bytes):
        while data:
            if self.finished:
                if self.gzip and data.startswith(b"\x1f\x8b"):
                    self.decoder, self.finished = zlib.decompressobj(31), False  # the next gzip member
                else:
                    return  # trailing bytes after the stream: ignored, as browsers do
            try:
                out = self.decoder.decompress(data, CHUNK)
            except zlib.error:
                if self.first and not self.gzip:  # « deflate » sent raw, without the zlib wrapper
                    self.decoder, self.first = zlib.decompressobj(-15), False
                    continue
                raise BodyError(f"réponse compressée illisible ({self.encoding})") from None
            self.first = False
            data = self.decoder.unconsumed_tail
            if self.decoder.eof:
                self.finished = True
                data = self.decoder.unused_data + data
            if out:
                yield out

    def close(self):
        if not self.finished:
            try:
                out = self.decoder.flush()
            except zlib.error:
                raise BodyError(f"réponse compressée illisible ({self.encoding})") from None
            if out:
                yield out


def encodings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header, in the order they were applied."""
    found = [part.strip().lower() for part in (header or "").split(",") if part.strip()]
    found = [e for e in found if e != "identity"]
    unknown = [e for e in found if e not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise BodyError(f"compression non prise en charge ({', '.join(unknown)[:40]})")
    if len(found) > MAX_ENCODINGS:
        raise BodyError(f"{len(found)} compressions empilées (au plus {MAX_ENCODINGS})")
    return found


class BoundedBody:
    """Feed raw chunks; `data` is the decoded body. BodyError past `limit` decoded bytes."""

    def __init__(self, content_encoding: str | None, limit: int):
        self.limit = limit
        self.stages = [_Inflate(e) for e in reversed(encodings(content_encoding))]  # the last applied first
        self.buffer = bytearray()
        self.raw = 0
        self.produced = [0] * (len(self.stages) + 1)

    def _through(self, pieces, index: int):
        if index == len(self.stages):
            for piece in pieces:
                self.buffer += piece
                if len(self.buffer) > self.limit:
                    raise BodyError(f"réponse trop volumineuse (plus de {self.limit // 1024}\u00a0Ko une fois "
                                    "décompressée)")
            return
        for piece in pieces:
            self.produced[index] += len(piece)
            if self.produced[index] > self.limit:  # an honest inner stream is smaller than the body
                raise BodyError(f"réponse trop volumineuse (plus de {self.limit // 1024}\u00a0Ko une fois "
                                "décompressée)")
            self._through(self.stages[index].feed(piece), index + 1)

    def feed(self, chunk: bytes) -> None:
        self.raw += len(chunk)
        if self.raw > self.limit:
            raise BodyError(f"réponse trop volumineuse (plus de {self.limit // 1024}\u00a0Ko)")
        self._through([chunk], 0)

    def close(self) -> bytes:
        for index, stage in enumerate(self.stages):
            self._through(stage.close(), index + 1)
        return bytes(self.buffer)

"""The leak audit: no gated text may appear anywhere under OUTPUT_PATH.

Gated text is cut into probes, runs of WINDOW consecutive words; a probe that
also occurs in public text (the public opening, a title, a summary) is dropped,
since the author published it. Every file of the output is then read as text,
gzip files decompressed first (Pagefind's fragments), JSON and HTML escapes
undone and tags removed, and its own word runs are looked up in the probes.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
import zlib
from pathlib import Path

from publishing.files import write_atomic

WINDOW = 6
MIN_WORDS = 3  # a gated part shorter than this cannot be told from ordinary words
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]*>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([\\\"/nrt])")


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def plain(text: str) -> str:
    """Text as a reader would see it, whatever the escaping of the file."""
    def unescape(match):
        if match.group(1):
            return chr(int(match.group(1), 16))
        return {"n": " ", "r": " ", "t": " "}.get(match.group(2), match.group(2))

    text = _JSON_ESCAPE.sub(unescape, text)
    return html.unescape(_TAG.sub(" ", text))


def windows(tokens: list[str]):
    if len(tokens) < WINDOW:
        if len(tokens) >= MIN_WORDS:
            yield " ".join(tokens)
        return
    for i in range(len(tokens) - WINDOW + 1):
        yield " ".join(tokens[i : i + WINDOW])


def make_probes(gated: list[tuple[str, str]], public_texts: list[str]) -> dict[str, str]:
    """{probe: "where"} from (where, gated html) pairs, minus public word runs."""
    public = set()
    for text in public_texts:
        public.update(windows(words(plain(text))))
    probes: dict[str, str] = {}
    for where, fragment in gated:
        for probe in windows(words(plain(fragment))):
            if probe not in public:
                probes.setdefault(probe, where)
    return probes


def _read(path: Path) -> str:
    data = path.read_bytes()
    for _ in range(3):  # nested compression
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
                continue
            except (OSError, EOFError, zlib.error):
                break
        break
    return data.decode("utf-8", errors="ignore")


def scan(output: Path, probes: dict[str, str]) -> list[str]:
    """French lines, one per leaking file, naming what leaked from where."""
    if not probes:
        return []
    lengths = {len(p.split()) for p in probes}
    firsts = {p.split(" ", 1)[0] for p in probes}
    leaks = []
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        tokens = words(plain(_read(path)))
        found = None
        for size in lengths:
            for i in range(len(tokens) - size + 1):
                if tokens[i] in firsts:
                    probe = " ".join(tokens[i : i + size])
                    if probe in probes:
                        found = (probe, probes[probe])
                        break
            if found:
                break
        if found:
            leaks.append(f"{path.relative_to(output)} : contient « {found[0]} », texte réservé de {found[1]}")
    return leaks


def save_probes(path: Path, probes: dict[str, str]) -> None:
    write_atomic(path, json.dumps(probes, ensure_ascii=False))


def load_probes(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))

"""Outside material: every test feed of the feedparser project (well-formed,
ill-formed, encodings, entities, sanitiser payloads) goes through the reactions
parser, which returns bounded, inert entries or its own French error."""

from __future__ import annotations

import pytest

from reactions.parse import ParseError, parse
from toolchain import FEED_CORPUS


def test_every_feedparser_test_feed_parses_or_is_refused_cleanly():
    if not FEED_CORPUS.exists():
        pytest.skip(f"{FEED_CORPUS} is missing (invoke test downloads it from PyPI)")
    files = sorted(p for p in FEED_CORPUS.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    assert len(files) > 2000
    parsed = refused = 0
    for path in files:
        kind = "application/json" if path.suffix == ".json" else "application/xml"
        try:
            result = parse(path.read_bytes(), "https://exemple.fr/flux", kind)
        except ParseError as error:
            refused += 1
            assert str(error) and "Traceback" not in str(error), path
            continue
        parsed += 1
        for entry in result.entries:
            for value in (entry.title, entry.excerpt, entry.author):
                text = str(value or "").lower()
                assert "<script" not in text and "javascript:" not in text and "onerror=" not in text, (path, value)
            assert entry.link is None or entry.link.lower().startswith(("http://", "https://")), (path, entry.link)
    assert parsed > 1500 and refused > 0

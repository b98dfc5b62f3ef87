"""The one metadata header reader (shared.headers): as Pelican's Markdown reader reads a header."""

from __future__ import annotations

import pytest
from markdown import Markdown

from shared import Field, Header, read_header


def test_fields_lines_and_body():
    header = read_header("Title: Un titre\nDate: 2026-11-22\nTags: a,\n    b\n\nLe texte.\n".split("\n"))
    assert header == Header((Field("title", "Un titre", 1, "Title"), Field("date", "2026-11-22", 2, "Date"),
                             Field("tags", "a, b", 3, "Tags")), body=5)
    assert header.value("tags") == "a, b" and header.value("absent", "x") == "x"


def test_front_matter_fences_and_byte_order_mark():
    header = read_header(["\ufeff---", "Title: T", "...", "Body"])
    assert header.fields == {"title": Field("title", "T", 2, "Title")}
    assert header.body == 3 and header.stray is None


def test_a_stray_line_ends_the_header_and_starts_the_body():
    header = read_header(["Title: T", "Date 2026-11-22", "", "Texte"])
    assert header.stray == Field("", "Date 2026-11-22", 2)
    assert header.body == 1 and list(header.fields) == ["title"]


def test_repeats_keep_every_line_and_the_last_value():
    header = read_header(["Title: Un", "title: Deux", ""])
    assert header.repeats == (Field("title", "Deux", 2, "title"),)
    assert header.first("title").line == 1 and header.value("title") == "Deux"


def test_reading_stops_at_the_end_of_the_header():
    def lines():
        yield "Title: T"
        yield ""
        raise AssertionError("the body was read")

    assert read_header(lines()).body == 2


@pytest.mark.parametrize("text", [
    "Title: T\nDate: 2026-01-01\n\nBody",
    "   Title: indented three\n\nBody",
    "Title: T\n\tTags: a tab is a continuation\n\nBody",
    "Title: T\n    continued\n        again\nDate: x\n\nBody",
    "---\nTitle: T\n---\nBody",
    "Title: T\n...\nBody",
    "Titre sans deux-points\nTitle: T\n\nBody",
    "Ti tle: space in the key\n\nBody",
    "Title:no space\nSlug_2: x-y\n\nBody",
])
def test_same_keys_and_values_as_the_meta_extension(text):
    """Pelican's Markdown reader takes its metadata from Python-Markdown's Meta extension."""
    markdown = Markdown(extensions=["meta"])
    markdown.convert(text)
    expected = {key: " ".join(values).strip() for key, values in markdown.Meta.items()}
    assert {key: f.value for key, f in read_header(text.split("\n")).fields.items()} == expected

"""Untrusted text printed to the author's terminal is inert and still readable."""

import io
import re

from hypothesis import given, strategies as st
from rich.console import Console

from shared import inert


def shown(text: str) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=400,
            highlight=False).print(f"[bold]Nom[/] : {inert(text)}")
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # the console's own styling only


def test_escape_sequences_are_shown_not_obeyed():
    hostile = "Lise\x1b]52;c;ZXZpbA==\x07 \x1b[8mcaché\x1b[0m \x1b[1A\x1b[2K \x1b]8;;https://piege.example\x1b\\ici\x1b]8;;\x1b\\"
    text = shown(hostile)
    assert "\x1b]52" not in text and "\x1b[8m" not in text and "\x1b[1A" not in text and "\x1b]8;" not in text
    assert "␛]52;c;ZXZpbA==␇" in text and "caché" in text and "ici" in text


def test_markup_in_a_name_is_text():
    assert "Pseudo [/]" in shown("Pseudo [/]")
    assert "[/bold]oops" in shown("[/bold]oops")


def test_bidi_overrides_and_separators_are_visible():
    text = shown("abc\u202edcba\u2028x")
    assert "<U+202E>" in text and "<U+2028>" in text


@given(st.text())
def test_any_text_prints_without_error_and_without_raw_controls(text):
    out = shown(text)
    body = out.split("Nom", 1)[1]
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in body[:-1])

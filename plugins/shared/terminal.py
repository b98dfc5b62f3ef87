"""Text that came from outside, made inert before it reaches the author's terminal.

Comments, subscriber files, mail headers and feed titles are written by
strangers. Printed raw, an escape sequence can write to the clipboard (OSC 52),
hide text (ESC[8m), erase the line above (ESC[1A ESC[2K) or disguise a link
(OSC 8); a bidirectional override can reorder what the author reads; and a
bracket can be taken for rich markup and crash the command (`[/bold]`).
`inert` shows every such character as a visible stand-in and escapes rich
markup: print the result with markup on (rich's default), where an escaped
bracket shows as itself.
"""

from __future__ import annotations

import re

from rich.markup import escape

# C0 controls and DEL as their Unicode "control pictures" (ESC shows as ␛).
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
# C1 controls, line and paragraph separators, bidirectional and other invisible
# format characters: shown by their code point.
_INVISIBLE = re.compile("[\u0080-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def inert(text, keep_newlines: bool = False) -> str:
    """`text` (any value) safe to print: controls visible, markup escaped."""
    text = str(text)
    pictures = dict(_PICTURES)
    if keep_newlines:
        del pictures[0x0A]
    text = text.translate(pictures)
    text = _INVISIBLE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)
    return escape(text)

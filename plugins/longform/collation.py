"""French alphabetical order for the lists a reader sees (tags, categories, series).

Python sorts by code point: « Écoute » after « zèbre », « événements » after
« veille ». French order is the Unicode Collation Algorithm's default (CLDR has
no French tailoring beyond Canada's accents): letters first, ignoring accents
and case; then accents, left to right (cote < coté < côte < côté); then case
(lower first). `french_key` computes those three levels with unicodedata: the
same order as pyuca's full collator, which tests/test_collation.py checks on
generated words, without its 0.3 s of table loading in every build.
"""

from __future__ import annotations

import unicodedata

# The order of accents at the second level, as in the UCA's default table.
_ACCENTS = {"\u0301": 1, "\u0300": 2, "\u0306": 3, "\u0302": 4, "\u030c": 5, "\u030a": 6, "\u0308": 7,
            "\u030b": 8, "\u0303": 9, "\u0307": 10, "\u0327": 11, "\u0328": 12, "\u0304": 13}
_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS"}
# Spaces and punctuation come before digits, digits before letters, in this order (the table's).
_PUNCTUATION = {char: rank for rank, char in enumerate(" _-–—,;:!?.…'’\"«»()[]{}@*/\\&#%`^+<=>|~$")}


def _primary(char: str) -> int:
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char.isdigit():
        return 1000 + int(char) if char.isascii() else 1100 + ord(char)
    return 2000 + ord(char)  # Latin letters, once accents and case are set apart, in alphabetical order


def french_key(text: str) -> tuple:
    """A sort key: sorted(names, key=french_key) is French dictionary order."""
    letters, accents, cases = [], [], []
    for char in unicodedata.normalize("NFD", str(text)):
        if unicodedata.combining(char):
            if accents:
                accents[-1] += (_ACCENTS.get(char, 100 + ord(char)),)
            continue
        for part in _LIGATURES.get(char, char):
            folded = part.casefold()
            letters.append(_primary(folded))
            accents.append(())
            cases.append(part != folded)
    return tuple(letters), tuple(accents), tuple(cases), text


def sort_fr(items, attribute: str | None = None, reverse: bool = False) -> list:
    """Jinja filter: `tags|sort_fr(attribute="0.name")`, like Jinja's `sort`."""
    def value(item):
        for name in (attribute.split(".") if attribute else ()):
            item = item[int(name)] if name.isdigit() else getattr(item, name)
        return french_key(item)

    return sorted(items, key=value, reverse=reverse)

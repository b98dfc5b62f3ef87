"""French typography over HTML fragments and plain text.

Rules (Imprimerie nationale conventions, as used by French publishers):
- narrow no-break space (U+202F) before ; ! ? % € and inside « »;
- no-break space (U+00A0) before a colon;
- typographic apostrophe ’ in elisions (l’avenir, aujourd’hui);
- "..." becomes the ellipsis …; "paired straight quotes" become « guillemets »;
- one rule for numbers: grouped by three with U+202F from 10 000 ("12 000
  lecteurs"); four digits never grouped ("1500", like the year "2026"); a
  number the author grouped keeps her groups; codes and identifiers alone.

Text inside code, pre, kbd, samp, var, script, style and textarea is never
touched, nor tags, attributes, comments or URLs. The pass is idempotent: text
that is already correct comes out byte for byte identical.
"""

from __future__ import annotations

import html
import re

NNBSP = "\u202f"
NBSP = "\u00a0"

SKIP_TAGS = frozenset(
    {"code", "pre", "kbd", "samp", "var", "script", "style", "textarea", "math", "svg"}
)

# Tags, comments and CDATA pass through verbatim; the text between is processed.
_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[^>]*>", re.S)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")

# URLs, e-mail addresses and bare domains with a path are left alone.
_URL = re.compile(
    r"(?:https?|ftp|mailto|tel):[^\s<>«»\"]+"
    r"|www\.[^\s<>«»\"]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)+/[^\s<>«»\"]*",
    re.I,
)

# Characters after which a missing space is added before ; ! ? :
_WORDY = r"[\w)\]»…\"’%€*]"

# Most rules below start with the character they act on and only then look
# behind it: a pattern that opens with a lookbehind is tried at every position
# of the text, one that opens with a character jumps from one occurrence of it
# to the next (several times faster on long text nodes, same matches).
_ELLIPSIS = re.compile(r"\.\.\.")
# Straight double quotes paired within one text node become guillemets.
_STRAIGHT_QUOTES = re.compile(r'(?<![\w"])"(?=\S)([^"\n]{1,400}?)(?<=\S)"(?![\w"])')
_APOSTROPHE = re.compile(r"'(?<=[^\W\d_]')(?=\w)")
_OPEN_GUILLEMET = re.compile(r"«[ \t\u00a0\u202f]*")
_CLOSE_GUILLEMET = re.compile(r"[ \t\u00a0\u202f]*»")
# Spaces after a non-space: the first one is checked against the character before it.
_SPACE_BEFORE_HIGH = re.compile(r"[ \u00a0](?<=\S[ \u00a0])[ \u00a0]*(?=[;!?])")
_MISSING_BEFORE_HIGH = re.compile(rf"[;!?](?<={_WORDY}[;!?])")  # the sign, given back after the space
_SPACE_BEFORE_COLON = re.compile(r"[ \u202f](?<=\S[ \u202f])[ \u202f]*:(?=\s|$|«)")
_MISSING_BEFORE_COLON = re.compile(rf":(?<={_WORDY}:)(?=\s|$|«)")

# An integer standing alone: "1200", "12000", "1 200", "1 000 000".
# One separator throughout, and no digit after a further space: "1 100000" is 1 and
# 100 000, and stays so once typeset (idempotence).
_NUMBER = re.compile(
    r"(?<![\w.,/:#+\-\u00a0\u202f])"
    r"(\d{1,3}(?:([ \u00a0\u202f])\d{3})(?:\2\d{3})*|\d{4,})"
    r"(?![\w/:\-]|[.,]\d{3}|\.\d|[ \u00a0\u202f]\d)"
)
_UNIT = re.compile(r"(?<=\d)[ \u00a0]*(?=[%€‰])")  # "30 %", "12 €"
_HAS_DIGITS = re.compile(r"\d")
_SEPARATORS = re.compile(r"[ \u00a0\u202f]")
_ACRONYM_BEFORE = re.compile(r"\b[A-Z]{2,}[ \u00a0-]*$")  # "ISO 8601", "RFC 8058"
_PROPER_NOUN_AFTER = re.compile(r"[ \u00a0\u202f]+[A-ZÀ-Þ]")


def _group_digits(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return NNBSP.join(groups)


def _numbers(text: str) -> str:
    def replace(match: re.Match) -> str:
        raw = match.group(1)
        digits = _SEPARATORS.sub("", raw)
        if digits.startswith("0"):
            return raw  # phone numbers, codes
        before = text[max(0, match.start() - 24) : match.start()]
        after = text[match.end() : match.end() + 3]
        already_grouped = raw != digits
        if not already_grouped:
            if _ACRONYM_BEFORE.search(before):
                return raw
            if len(digits) == 4:
                return raw  # one rule: grouped from 10 000; 1500 stays whole (and so does 2026, a year)
            if _PROPER_NOUN_AFTER.match(after):
                return raw  # postal codes: "44000 Nantes"
        return _group_digits(digits)

    return _NUMBER.sub(replace, text)


def _plain(text: str) -> str:
    """Apply every rule to text that holds no markup and no URL.

    Each rule runs only when its trigger character is present: most text
    nodes need one or two rules, and this pass runs on every page.
    """
    if "..." in text:
        text = _ELLIPSIS.sub("…", text)
    if "'" in text:
        text = _APOSTROPHE.sub("’", text)
    while '"' in text:  # inner pairs first, then the pairs they were hiding: idempotent
        paired = _STRAIGHT_QUOTES.sub(r"«\1»", text)
        if paired == text:
            break
        text = paired
    if "«" in text:
        text = _OPEN_GUILLEMET.sub("«" + NNBSP, text)
    if "»" in text:
        text = _CLOSE_GUILLEMET.sub(NNBSP + "»", text)
    if ";" in text or "!" in text or "?" in text:
        text = _SPACE_BEFORE_HIGH.sub(NNBSP, text)
        text = _MISSING_BEFORE_HIGH.sub(NNBSP + r"\g<0>", text)
    if ":" in text:
        text = _SPACE_BEFORE_COLON.sub(NBSP + ":", text)
        text = _MISSING_BEFORE_COLON.sub(NBSP + ":", text)
    if _HAS_DIGITS.search(text):
        text = _numbers(text)
        if "%" in text or "€" in text or "‰" in text:
            text = _UNIT.sub(NNBSP, text)
    return text


# What _URL's scheme alternative needs: a colon right after a scheme.
_SCHEME = re.compile(r":(?:(?<=https:)|(?<=http:)|(?<=ftp:)|(?<=mailto:)|(?<=tel:))", re.I)


def _may_hold_url(text: str) -> bool:
    """False when _URL cannot match (the split into URLs and text is then
    skipped: the text is one piece, typeset as when there is no URL).

    The colon of French punctuation was enough to scan the node for URLs,
    which costs more than the typography itself; a colon now counts only
    after a scheme, or with a "www." (of any case, as _URL reads it).
    """
    if "@" in text or "/" in text or "www." in text:
        return True
    return ":" in text and (_SCHEME.search(text) is not None or "www." in text.lower())


def fix_text(text: str, before: str = "") -> str:
    """French typography for plain text (no markup).

    `before` is the character that precedes `text` in the document, so a rule
    that depends on the previous character also works across inline tags.
    """
    if not text:
        return text
    if not _may_hold_url(text):
        prefix = before if before and not before.isspace() else ""
        fixed = _plain(prefix + text)
        if prefix and fixed.startswith(prefix):
            return fixed[len(prefix) :]
        return fixed if not prefix else _plain(text)
    pieces = []
    last = 0
    for url in _URL.finditer(text):
        pieces.append((False, text[last : url.start()]))
        pieces.append((True, url.group(0)))
        last = url.end()
    pieces.append((False, text[last:]))

    out = []
    for is_url, piece in pieces:
        if is_url or not piece:
            out.append(piece)
            before = piece[-1:] or before
            continue
        prefix = before if before and not before.isspace() else ""
        fixed = _plain(prefix + piece)
        if prefix and fixed.startswith(prefix):
            fixed = fixed[len(prefix) :]
        elif prefix:
            fixed = _plain(piece)  # a rule consumed the context character
        out.append(fixed)
        before = fixed[-1:] or piece[-1]
    return "".join(out)


_TRIGGERS = re.compile(r"[.'\"&;:!?«»%€\d]")


def _fix_html_text(raw: str, before: str) -> str:
    if not _TRIGGERS.search(raw):
        return raw
    text = html.unescape(raw)
    fixed = fix_text(text, before)
    if fixed == text:
        return raw  # keep the author's entities as they were
    return html.escape(fixed, quote=False)


def fix_html(fragment: str) -> str:
    """French typography for an HTML fragment, leaving markup untouched."""
    if not fragment:
        return fragment
    out = []
    skip_depth = 0
    before = ""
    last = 0
    for match in _MARKUP.finditer(fragment):
        text = fragment[last : match.start()]
        if text:
            if skip_depth:
                out.append(text)
            else:
                out.append(_fix_html_text(text, before))
            before = html.unescape(out[-1])[-1:] or before  # as typeset: a second pass sees the same
        tag = match.group(0)
        out.append(tag)
        name = _TAG_NAME.match(tag)
        if name and name.group(2).lower() in SKIP_TAGS and not tag.endswith("/>"):
            skip_depth += -1 if name.group(1) else 1
            skip_depth = max(skip_depth, 0)
        elif name and name.group(2).lower() in {"p", "li", "br", "div", "td", "th", "h1",
                                                 "h2", "h3", "h4", "h5", "h6",
                                                 "blockquote", "dd", "dt"}:
            before = ""  # block boundaries reset the context
        last = match.end()
    tail = fragment[last:]
    if tail:
        out.append(tail if skip_depth else _fix_html_text(tail, before))
    return "".join(out)

"""Values that come from outside (the subscriber file, unsubscribe requests)
checked once, in one place, before they reach a message or a CSV file.

- an address is what `email-validator` accepts (syntax only, never DNS), in its
  ASCII form: that form goes into the SMTP envelope and the `To` header;
- a token is 8 to 128 characters of `[A-Za-z0-9_-]`: it is substituted into
  headers and bodies as is, so nothing else may ever pass;
- no field holds a control character (C0, DEL, C1, U+2028, U+2029): a CR or LF
  in a header is a new header, a blank line is the end of the header block;
- a value written to a CSV file the author may open in a spreadsheet never
  starts with a formula character (OWASP: prefix with an apostrophe).
"""

from __future__ import annotations

import base64
import re


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,128}")
NAME_MAX = 200
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class AddressError(ValueError):
    """An address refused; `reason` is French, or empty when there is no short one."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


_REASONS = (  # email-validator's messages (English) by their beginning, in French
    ("An email address must have an @-sign", "il manque le «\u202f@\u202f»"),
    ("There must be something before the @-sign", "rien avant le «\u202f@\u202f»"),
    ("There must be something after the @-sign", "rien après le «\u202f@\u202f»"),
    ("The part after the @-sign is a special-use or reserved name",
     "domaine réservé aux essais ou à un usage local, où rien n’est livré"),
    ("The part after the @-sign is not valid. It should have a period", "domaine sans point"),
    ("Internationalized characters before the @-sign", "caractères accentués avant le «\u202f@\u202f»\u00a0: non pris en charge"),
    ("A display name and angle brackets", "seulement l’adresse, sans nom ni chevrons"),
    ("An email address cannot have two periods in a row", "deux points de suite"),
    ("The email address contains invalid characters", "caractères interdits dans une adresse"),
    ("The part after the @-sign contains invalid characters", "caractères interdits dans le domaine"),
    ("Quoting the part before the @-sign", "guillemets avant le «\u202f@\u202f»\u00a0: non pris en charge"),
    ("A bracketed IP address", "adresse IP à la place d’un domaine"),
)


def control_character(text: str) -> str | None:
    """The first control character of `text` as U+XXXX, or None."""
    match = _CONTROL.search(text)
    return f"U+{ord(match.group(0)):04X}" if match else None


def check_address(text: str, *, test_environment: bool = False) -> str:
    """The address in its ASCII form (IDNA domain), or AddressError.

    Local parts must be ASCII (no SMTPUTF8: most servers refuse it); special-use
    domains (.invalid, .test, localhost…) are refused unless `test_environment`,
    which accepts .test and localhost for trials.
    """
    from email_validator import EmailNotValidError, validate_email  # here: 30 ms off every build

    if control_character(text):
        raise AddressError("caractère de contrôle")
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False,
                               test_environment=test_environment)
    except EmailNotValidError as error:
        message = str(error)
        raise AddressError(next((french for english, french in _REASONS if message.startswith(english)),
                                "")) from None
    return valid.ascii_email or valid.normalized


def address_key(text: str) -> str:
    """What two spellings of one address have in common (case, IDNA domain)."""
    try:
        return check_address(text.strip(), test_environment=True).lower()
    except AddressError:
        return text.strip().lower()


def valid_token(text: str) -> bool:
    return TOKEN_SHAPE.fullmatch(text) is not None


def encode_display_name(name: str) -> str:
    """A display name for an address header, safe whatever it holds: printable
    ASCII as a quoted string, anything else as RFC 2047 base64 words of at most
    75 characters, folded. Never decoded again on the way (unlike the email
    package, which reads `=?…?=` inside a name back into raw text)."""
    if control_character(name):
        raise ValueError("control character in a display name")
    if not name:
        return ""
    if all(" " <= c <= "~" for c in name) and "=?" not in name:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # At most 45 octets a word: 60 base64 characters, 72 with the markers. A
    # long name is cut after a space where it can be: mail readers join
    # adjacent words (RFC 2047, 6.2); Python's own parser puts a space between
    # them, which then falls next to the name's own.
    words, chunk = [], ""
    for char in name:
        if len((chunk + char).encode("utf-8")) > 45:
            cut = chunk.rfind(" ") + 1 or len(chunk)
            words.append(chunk[:cut])
            chunk = chunk[cut:]
        chunk += char
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)


def csv_cell(value: str) -> str:
    """`value` made harmless for a spreadsheet: a leading formula character is
    preceded by an apostrophe (and so is a leading apostrophe that could be
    taken for that mark), which `csv_value` removes."""
    if value.startswith(_FORMULA) or (value.startswith("'") and value[1:2] in (*_FORMULA, "'")):
        return "'" + value
    return value


def csv_value(cell: str) -> str:
    """The value `csv_cell` wrote (a file written before the escaping reads the same,
    but for a value that began with an apostrophe and a formula character)."""
    if cell.startswith("'") and cell[1:2] in (*_FORMULA, "'"):
        return cell[1:]
    return cell

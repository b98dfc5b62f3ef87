"""What readers send, checked before anything is written.

- A body is read up to ENGAGEMENT_MAX_BODY octets, `application/x-www-form-urlencoded`
  only, UTF-8 only, at most 20 fields; anything else is refused with a French page.
- Every field: no control character (C0, DEL, C1, U+2028/2029; a newline only
  in the texts that may have paragraphs), a length limit, addresses through
  email-validator (syntax, never DNS), tokens of the newsletter's shape.
- Forms the service renders carry a signed token: HMAC-SHA256 over the form's
  purpose, its subject (the link's secret) and the time it was issued. It proves
  the form came from here (CSRF), and lets the service refuse a form sent back
  sooner than ENGAGEMENT_MIN_FILL_SECONDS (robots) or after ENGAGEMENT_FORM_HOURS.
- Forms of the static site cannot carry a fresh token: their posts must come
  from an allowed Origin (SITEURL's, ENGAGEMENT_URL's, ENGAGEMENT_ORIGINS), and
  carry an empty honeypot field.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from newsletter import AddressError, check_address, valid_token

from .config import origin

HONEYPOT = "site_web"  # a field hidden from people; robots fill it
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINES = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
MAX_FIELDS = 20
SECRET_ENVIRONMENT = "NENUFAR_ENGAGEMENT_SECRET"
SECRET_FILE = "engagement-secret"  # in PRIVATE_OUTPUT_PATH, 0600, written once


class Refused(Exception):
    """A request the service will not act on; `message` is French, `status` the HTTP code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def parse_body(body: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise Refused("Ce formulaire n’a pas été envoyé comme un formulaire HTML.", 415)
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused("Ce formulaire est illisible (trop de champs, ou un texte qui n’est pas en UTF-8).") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise Refused("Un champ du formulaire figure deux fois.")
        fields[key] = value
    return fields


def text(fields: dict, name: str, label: str, limit: int, *, required: bool = True, multiline: bool = False) -> str:
    value = fields.get(name, "")
    pattern = _CONTROL_BUT_NEWLINES if multiline else _CONTROL
    if pattern.search(value):
        raise Refused(f"{label}\u00a0: caractère de contrôle refusé (un saut de ligne n’a rien à faire ici).")
    value = value.replace("\r\n", "\n").strip() if multiline else value.strip()
    if required and not value:
        raise Refused(f"{label}\u00a0: ce champ est obligatoire.")
    if len(value) > limit:
        raise Refused(f"{label}\u00a0: {len(value)} caractères, {limit} au plus.")
    return value


def address(fields: dict, name: str = "courriel", *, required: bool = True, test_environment: bool = False) -> str:
    raw = text(fields, name, "Adresse électronique", 320, required=required)
    if not raw:
        return ""
    try:
        return check_address(raw, test_environment=test_environment).lower()
    except AddressError as error:
        reason = f" ({error.reason})" if error.reason else ""
        raise Refused(f"Adresse électronique invalide{reason}.") from None


def token(value: str) -> str:
    if not isinstance(value, str) or not valid_token(value):
        raise Refused("Ce lien n’est pas valide. Utilisez le lien reçu par courriel, sans le modifier.", 404)
    return value


def honeypot(fields: dict) -> None:
    if fields.get(HONEYPOT):
        raise Refused("Ce formulaire a été rempli par un robot.", 400)


def check_origin(headers, allowed: set[str]) -> None:
    """The post comes from a page of the site or of the service (CSRF)."""
    sent = headers.get("origin")
    if not sent or sent == "null":
        sent = origin(headers.get("referer"))
    if not sent or sent.lower() not in allowed:
        raise Refused("Ce formulaire ne vient pas du site\u00a0: il n’est pas pris en compte.", 403)


def load_secret(private: Path, environ=os.environ) -> bytes:
    """NENUFAR_ENGAGEMENT_SECRET, or a random secret kept in PRIVATE_OUTPUT_PATH
    (created once; every worker reads the same file)."""
    if environ.get(SECRET_ENVIRONMENT):
        return environ[SECRET_ENVIRONMENT].encode("utf-8")
    path = private / SECRET_FILE
    private.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(handle, "w") as stream:
            stream.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be writing it
        value = path.read_text().strip()
        if len(value) == 64:
            return value.encode("ascii")
        time.sleep(0.01)
    raise RuntimeError(f"{path} does not hold a secret")


@dataclass(frozen=True)
class Signer:
    secret: bytes = b""
    min_fill: float = 2
    max_age: float = 24 * 3600

    def __repr__(self) -> str:
        return "Signer(…)"

    def _mac(self, purpose: str, subject: str, issued: int) -> str:
        message = f"{purpose}\x00{subject}\x00{issued}".encode("utf-8")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def issue(self, purpose: str, subject: str = "", at: float | None = None) -> str:
        issued = int(at if at is not None else time.time())
        return f"{issued}.{self._mac(purpose, subject, issued)}"

    def check(self, value: str, purpose: str, subject: str = "", at: float | None = None) -> None:
        """Refused unless `value` was issued here for this purpose and subject,
        long enough ago for a person and not too long ago."""
        issued_text, _, mac = (value or "").partition(".")
        if not issued_text.isdigit() or len(issued_text) > 12 or not hmac.compare_digest(
                mac.encode("ascii", "replace"), self._mac(purpose, subject, int(issued_text)).encode("ascii")):
            raise Refused("Ce formulaire n’a pas été délivré par ce service (jeton de formulaire absent ou "
                          "faux)\u00a0: rien n’a été fait.", 403)
        age = (at if at is not None else time.time()) - int(issued_text)
        if age < self.min_fill:
            raise Refused("Ce formulaire a été renvoyé trop vite pour avoir été lu\u00a0: rechargez la page et "
                          "réessayez.", 429)
        if age > self.max_age:
            raise Refused("Ce formulaire a expiré\u00a0: rechargez la page et réessayez.", 403)

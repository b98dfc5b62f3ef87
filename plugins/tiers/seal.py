"""Sealed gated parts for in-page unlocking.

Each gated tier gets a random content key per build; every part of that tier
is encrypted under it (AES-256-GCM, random 96-bit nonce per part, the tier id
as associated data); a reserved image is sealed as a file under the same key,
with `img:<tier>` as associated data (images.py). The content key is then
wrapped under the key derived from each passphrase that may open it, its own
tier's and every higher tier's (PBKDF2-HMAC-SHA256, PBKDF2_ITERATIONS, a
random salt per tier and build), so a higher tier's passphrase opens the
lower tiers too. The browser does the same steps backwards with WebCrypto
(theme/static/js/tiers.js).
"""

from __future__ import annotations

import base64
import hashlib
import os
import unicodedata
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .ladder import Ladder

PBKDF2_ITERATIONS = 600_000
MIN_KEY_LENGTH = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def normalise(passphrase: str) -> bytes:
    """Same normalisation as the browser: NFC, outer spaces dropped."""
    return unicodedata.normalize("NFC", passphrase.strip()).encode("utf-8")


class KeyError_(ValueError):
    """A tier key in the environment is unusable; the message names the variable."""


def keys_from_env(ladder: Ladder, environ=os.environ) -> dict[str, str]:
    keys = {}
    for tier in ladder.gated:
        value = environ.get(tier.env_key)
        if value is None or value == "":
            continue
        if len(value.strip()) < MIN_KEY_LENGTH:
            raise KeyError_(f"{tier.env_key} : la clé du palier « {tier.id} » doit compter au moins "
                            f"{MIN_KEY_LENGTH} caractères (elle en a {len(value.strip())})")
        keys[tier.id] = value
    return keys


@dataclass
class Vault:
    """The sealing material of one build."""

    ladder: Ladder
    keys: dict[str, str]  # tier id -> passphrase
    iterations: int = PBKDF2_ITERATIONS
    _content_keys: dict[str, bytes] = field(default_factory=dict)
    _envelope: dict | None = None

    def can_open(self, tier_id: str) -> bool:
        """Some passphrase given to this build opens `tier_id`."""
        rank = self.ladder.get(tier_id).rank
        return any(self.ladder.get(k).rank >= rank for k in self.keys)

    def _content_key(self, tier_id: str) -> bytes:
        if tier_id not in self._content_keys:
            self._content_keys[tier_id] = AESGCM.generate_key(bit_length=256)
        return self._content_keys[tier_id]

    def seal(self, tier_id: str, html: str) -> dict:
        nonce = os.urandom(12)
        sealed = AESGCM(self._content_key(tier_id)).encrypt(nonce, html.encode("utf-8"), tier_id.encode())
        return {"nonce": _b64(nonce), "data": _b64(sealed)}

    def seal_bytes(self, tier_id: str, data: bytes, associated: bytes) -> bytes:
        """`data` under `tier_id`'s content key: nonce (12 bytes) then ciphertext and tag.
        Images use the associated data `img:<tier>` (images.image_ad), never a part's."""
        nonce = os.urandom(12)
        return nonce + AESGCM(self._content_key(tier_id)).encrypt(nonce, data, associated)

    def envelope(self) -> dict:
        """What the page carries to turn a passphrase into content keys."""
        if self._envelope is None:
            openers = {}
            for holder, passphrase in sorted(self.keys.items()):
                salt = os.urandom(16)
                kek = hashlib.pbkdf2_hmac("sha256", normalise(passphrase), salt, self.iterations, 32)
                wraps = {}
                for tier in self.ladder.gated:
                    if tier.rank <= self.ladder.get(holder).rank:
                        nonce = os.urandom(12)
                        wrapped = AESGCM(kek).encrypt(nonce, self._content_key(tier.id), f"cle:{tier.id}".encode())
                        wraps[tier.id] = _b64(nonce + wrapped)
                openers[holder] = {"salt": _b64(salt), "wraps": wraps}
            self._envelope = {"v": 1, "iterations": self.iterations, "openers": openers}
        return self._envelope

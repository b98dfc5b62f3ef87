"""The ladder of tiers (TIERS in pelicanconf.py), checked once per build."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELDS = ("id", "label", "promise", "url")


class LadderError(ValueError):
    """TIERS is malformed; the message is French and names the entry."""


@dataclass(frozen=True)
class Tier:
    id: str
    label: str
    promise: str
    url: str
    rank: int
    reserved_to: str  # "aux abonnés", "au Cercle": for « La suite est réservée … »
    cta: str  # the button's words
    member_cta: str = ""  # the same button in a letter, read by someone already on the list (default: cta)

    @property
    def env_key(self) -> str:
        return "NENUFAR_KEY_" + self.id.upper().replace("-", "_")


def _reserved_to(label: str) -> str:
    """French contraction of « à » with the label's article."""
    for article, contracted in (("Les ", "aux "), ("Le ", "au "), ("La ", "à la "), ("L’", "à l’"), ("L'", "à l’")):
        if label.startswith(article):
            return contracted + label[len(article):]
    return "aux " + label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Ladder:
    tiers: tuple[Tier, ...]

    @property
    def public(self) -> Tier:
        return self.tiers[0]

    @property
    def gated(self) -> tuple[Tier, ...]:
        return self.tiers[1:]

    def get(self, tier_id: str) -> Tier | None:
        return next((t for t in self.tiers if t.id == tier_id), None)

    def names(self) -> str:
        return ", ".join(t.id for t in self.tiers)


PUBLIC_ONLY = Ladder((Tier("public", "Tout le monde", "", "", 0, "à tout le monde", ""),))  # no TIERS


def load_ladder(settings: dict) -> Ladder:
    raw = settings["TIERS"]
    if not raw:
        return PUBLIC_ONLY
    if not isinstance(raw, (list, tuple)):
        raise LadderError("TIERS doit être une liste de paliers, du plus ouvert au plus réservé")
    tiers, seen = [], set()
    for rank, entry in enumerate(raw):
        where = f"TIERS[{rank}]"
        if not isinstance(entry, dict):
            raise LadderError(f"{where} doit être un dictionnaire avec les clés {', '.join(_FIELDS)}")
        missing = [f for f in _FIELDS if not str(entry.get(f) or "").strip()] if rank else \
            [f for f in ("id", "label") if not str(entry.get(f) or "").strip()]
        if missing:
            raise LadderError(f"{where} : clé manquante ou vide : {', '.join(missing)}")
        tier_id = str(entry["id"]).strip()
        if not _ID.match(tier_id):
            raise LadderError(f"{where} : identifiant « {tier_id} » invalide "
                              "(lettres minuscules sans accent, chiffres et tirets)")
        if tier_id in seen:
            raise LadderError(f"{where} : l’identifiant « {tier_id} » est déjà pris")
        seen.add(tier_id)
        label = str(entry["label"]).strip()
        tiers.append(Tier(
            id=tier_id, label=label, promise=str(entry.get("promise") or "").strip(),
            url=str(entry.get("url") or "").strip(), rank=rank,
            reserved_to=str(entry.get("reserved_to") or _reserved_to(label)),
            cta=str(entry.get("cta") or "Rejoindre " + _reserved_to(label).split(" ", 1)[-1]),
        ))
        tiers[-1] = replace(tiers[-1], member_cta=str(entry.get("member_cta") or tiers[-1].cta))
    return Ladder(tuple(tiers))

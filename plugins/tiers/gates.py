"""What the public page shows in place of each gated part."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from longform import reading_minutes

from .ladder import Ladder
from .seal import Vault
from .split import Part, TierSplit

NNBSP = "\u202f"


def group(number: int) -> str:
    return f"{number:,}".replace(",", NNBSP)


def remaining_label(words: int, wpm: int) -> str:
    """« encore 1 400 mots, 7 min de lecture »"""
    return f"encore {group(words)}\u00a0mot{'s' if words > 1 else ''}, {reading_minutes(words, wpm)}\u00a0min de lecture"


def make_gates(split: TierSplit, ladder: Ladder, vault: Vault | None, wpm: int,
               prepare: Callable[[Part], str] | None = None) -> list[dict]:
    """One gate per gated part that the build can seal; the first part that it
    cannot seal (or, without keys, the first gated part) ends the list.

    `prepare(part)` gives the HTML to seal (links resolved, reserved images
    replaced by their sealed blobs); it runs for sealed parts only."""
    gated = split.gated
    gates = []
    for index, part in enumerate(gated):
        remaining = sum(p.words for p in gated[index:])
        tier = ladder.get(part.tier)
        deeper = sorted({p.tier for p in gated[index + 1:]}, key=lambda t: ladder.get(t).rank)
        gate = {
            "tier": tier,
            "anchor": f"suite-{tier.id}",
            "words": remaining,
            "remaining": remaining_label(remaining, wpm),
            "deeper": [ladder.get(t) for t in deeper],
            "sealed": None,
        }
        gates.append(gate)
        if vault is None or not vault.can_open(part.tier):
            break
        gate["sealed"] = vault.seal(part.tier, prepare(part) if prepare else part.html)
    return gates


def feed_note(gate: dict, siteurl: str) -> str:
    """The teaser as a paragraph for public feeds, where the page's block cannot go."""
    tier = gate["tier"]
    url = tier.url if tier.url.startswith(("http://", "https://")) else f"{siteurl.rstrip('/')}/{tier.url.lstrip('/')}"
    return (f'<p class="tier-note"><em>La suite est réservée {escape(tier.reserved_to)}\u00a0: '
            f'{escape(gate["remaining"])}. <a href="{escape(url)}">{escape(tier.cta)}</a></em></p>')

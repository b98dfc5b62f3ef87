"""Property: wherever a canary sits and whatever its tier, it never reaches the
public output, and it reaches the private feed of its tier and of every deeper one."""

from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import site_settings, write_content
from publishing.build import build

TIERS = ["public", "abonnes", "cercle"]
FILLER = "Une phrase ordinaire pour remplir le paragraphe et donner du contexte au lecteur."
# Where a canary can sit in a paragraph: plain, emphasised, in a heading, a list, a quote.
SHAPES = ["{c} au début.", "Au milieu *{c}* du texte.", "## Un titre {c}", "- un point {c}",
          "> Une citation {c}", "Un [lien {c}](https://exemple.fr/)", "Fin de phrase {c} !"]


@st.composite
def articles(draw):
    counter = iter(range(10_000))
    result = []
    for number in range(draw(st.integers(1, 3))):
        whole = draw(st.sampled_from([None, "abonnes", "cercle"]))
        rank = TIERS.index(whole) if whole else 0
        blocks, canaries = [], []
        for _ in range(draw(st.integers(1, 4))):
            new_rank = draw(st.integers(rank, 2))
            if new_rank != rank or (blocks and draw(st.booleans())):
                blocks.append(f"<!-- tier: {TIERS[new_rank]} -->")
                rank = new_rank
            for _ in range(draw(st.integers(1, 3))):
                canary = f"canari{next(counter)}x{number}"
                shape = draw(st.sampled_from(SHAPES))
                blocks.append(f"{FILLER}\n\n{shape.format(c=canary)}")
                canaries.append((canary, TIERS[rank]))
        header = f"Title: Article {number}\nDate: 2026-11-{10 + number:02d}\nCategory: Essais\n"
        if whole:
            header += f"Tier: {whole}\n"
        result.append((f"articles/a{number}.md", header + "\n" + "\n\n".join(blocks) + "\n", canaries))
    return result


def public_text(output: Path) -> str:
    chunks = []
    for path in output.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            chunks.append(data.decode("utf-8", errors="ignore"))
    return "\n".join(chunks)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles())
def test_canaries_stay_out_of_the_public_output_and_reach_their_feeds(generated):
    root = Path(tempfile.mkdtemp(prefix="canaris-"))
    try:
        write_content(root / "content", {name: text for name, text, _ in generated})
        build(site_settings(root, root / "content", PAGEFIND=True))
        public = public_text(root / "output")
        feeds = {tier: (root / "private" / "flux" / f"{tier}.atom.xml").read_text(encoding="utf-8")
                 for tier in TIERS[1:]}
        for _, _, canaries in generated:
            for canary, tier in canaries:
                if tier == "public":
                    assert canary in public, canary  # the scan can see what is there
                    continue
                assert canary not in public, f"{canary} ({tier}) leaked"
                for feed_tier, feed in feeds.items():
                    expected = TIERS.index(feed_tier) >= TIERS.index(tier)
                    assert (canary in feed) == expected, (canary, tier, feed_tier)
    finally:
        shutil.rmtree(root, ignore_errors=True)

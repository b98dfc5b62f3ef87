"""Property: with every Markdown feature the site enables (table of contents,
abbreviations, reference links and images, footnotes and their placeholder,
attribute lists, tables, Markdown in HTML, definition lists, code), a canary
written at any tier, in text or in an attribute, never reaches the public
output, reaches exactly the private feeds of its tier and deeper ones, and
the audit finds it when it is planted into the output afterwards."""

from __future__ import annotations

import gzip
import json
import shutil
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import site_settings, write_content
from publishing.build import build
from tiers.audit import audit

TIERS = ["public", "abonnes", "cercle"]
FILLER = "Une phrase ordinaire qui donne du contexte au lecteur attentif."


def name(number: int) -> str:
    """Canaries are letters only, so the audit's folding keeps them whole."""
    letters = ""
    number += 26 * 26
    while number:
        number, digit = divmod(number, 26)
        letters = string.ascii_lowercase[digit] + letters
    return "canari" + letters


# Each feature: (Markdown, the phrase an author typed that carries the canary,
# whether the canary shows in the rendered part). {c} is the canary, {n} a unique number.
FEATURES = {
    "paragraph": ("Le paragraphe parle de {c} longuement.", "Le paragraphe parle de {c} longuement", True),
    "heading": ("## Le titre {c}", "Le titre {c}", True),
    "toc": ("[TOC]\n\n### Sous-titre {c}", "Sous-titre {c}", True),
    "abbreviation": ("Un sigle ABR{u} ici.\n\n*[ABR{u}]: définition {c}", "définition {c}", True),
    "reference link": ("Voir [le lien][ref{n}].\n\n[ref{n}]: https://exemple.fr/{c} \"titre {c}\"",
                       "https://exemple.fr/{c}", True),
    "reference image": ("![image {c}][img{n}]\n\n[img{n}]: https://exemple.fr/{c}.png", "image {c}", True),
    "inline image": ("![portrait {c}](https://exemple.fr/p.png \"légende {c}\")", "portrait {c}", True),
    "footnote": ("Une note[^n{n}] ici.\n\n[^n{n}]: La note parle de {c}.", "La note parle de {c}", True),
    "footnote placeholder": ("Appel[^p{n}].\n\n///Footnotes Go Here///\n\n[^p{n}]: Note placée {c}.",
                             "Note placée {c}", True),
    "attribute list": ("Un paragraphe décoré.\n{{: title=\"attribut {c}\" data-note=\"donnée {c}\" }}",
                       "attribut {c}", True),
    "table": ("| Colonne | Valeur |\n|---|---|\n| cellule {c} | chiffre |", "cellule {c}", True),
    "markdown in html": ("<div markdown=\"1\">\nDans un bloc *{c}* balisé.\n</div>", "Dans un bloc {c} balisé", True),
    "definition list": ("Terme {c}\n:   Définition du terme {c}", "Définition du terme {c}", True),
    "code": ("```text\ncommande --option {c}\n```", "commande --option {c}", True),
    "quote and list": ("> Citation de {c}\n\n- premier point {c}\n- second point", "Citation de {c}", True),
}


@st.composite
def articles(draw):
    counter = iter(range(100_000))
    result = []
    for number in range(draw(st.integers(1, 2))):
        whole = draw(st.sampled_from([None, None, "abonnes", "cercle"]))
        rank = TIERS.index(whole) if whole else 0
        blocks, canaries = [FILLER], []
        for _ in range(draw(st.integers(2, 5))):
            new_rank = draw(st.integers(rank, 2))
            if new_rank != rank:
                blocks.append(f"<!-- tier: {TIERS[new_rank]} -->")
                rank = new_rank
            feature = draw(st.sampled_from(sorted(FEATURES)))
            source, phrase, shown = FEATURES[feature]
            n = next(counter)
            canary = name(n * 7 + number)
            values = {"c": canary, "n": f"{number}x{n}", "u": canary[-3:].upper()}
            blocks.append(FILLER)
            blocks.append(source.format(**values))
            canaries.append((canary, TIERS[rank], feature, phrase.format(**values)))
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
            chunks.append(data.decode("utf-8", errors="ignore").lower())
    return "\n".join(chunks)


PLANTINGS = [
    lambda p: ("fuite.html", f'<img src="x.png" alt="{p}">'),
    lambda p: ("feeds/fuite.atom.xml", f"<content type=\"html\">&lt;p&gt;{p.replace('&', '&amp;')}&lt;/p&gt;</content>"),
    lambda p: ("pagefind/fragment/fuite.pf_fragment",
               gzip.compress(b"pagefind_dcd" + json.dumps({"content": p}, ensure_ascii=True).encode())),
    lambda p: ("sitemap-fuite.xml", f"<loc>https://x.fr/{'-'.join(p.lower().split())}/</loc>"),
]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles(), st.integers(0, 10_000))
def test_every_markdown_feature_keeps_canaries_in_their_tier(generated, choice):
    root = Path(tempfile.mkdtemp(prefix="canaris-md-"))
    try:
        write_content(root / "content", {name_: text for name_, text, _ in generated})
        config = site_settings(root, root / "content", PAGEFIND=True)
        build(config)
        output = root / "output"
        public = public_text(output)
        feeds = {tier: (root / "private" / "flux" / f"{tier}.atom.xml").read_text(encoding="utf-8")
                 for tier in TIERS[1:]}
        reserved = []
        for _, _, canaries in generated:
            for canary, tier, feature, phrase in canaries:
                if tier == "public":
                    assert canary in public, (canary, feature)  # the scan can see what is there
                    continue
                assert canary not in public, f"{canary} ({tier}, {feature}) leaked"
                for feed_tier, feed in feeds.items():
                    expected = TIERS.index(feed_tier) >= TIERS.index(tier)
                    assert (canary in feed) == expected, (canary, tier, feature, feed_tier)
                reserved.append(phrase)
        if not reserved:
            return
        assert audit(config, output) == []
        where, content = PLANTINGS[choice % len(PLANTINGS)](reserved[choice % len(reserved)])
        path = output / where
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        assert [leak.path for leak in audit(config, output)] == [where]
    finally:
        shutil.rmtree(root, ignore_errors=True)

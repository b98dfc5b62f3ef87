"""Writes N synthetic French long-form articles for the build benchmark.

python bench/generate.py --count 1000 --out bench/corpus/content
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

WORDS = (
    "communauté profondeur lecteur lettre conversation fidélité marque écoute "
    "rassemblement confiance abonné réponse question histoire nénuphar voisinage "
    "librairie atelier brasserie podcast forum quartier rencontre attention budget "
    "promesse cercle parole lien temps valeur mémoire invitation retour"
).split()
GLUE = "le la les un une des du de et mais donc car avec pour sans dans sur qui que".split()
CATEGORIES = ["Communautés", "Conversation", "Fidélité", "Écoute", "Événements"]
TAGS = ["profondeur", "communauté", "conversation", "fidélité", "confiance", "lecteurs", "écoute"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS if i % 2 else GLUE) for i in range(rng.randint(9, 18))]
    text = " ".join(words)
    end = rng.choice([".", ".", ".", " ?", " !", "..."])
    return text[0].upper() + text[1:] + end


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def article(number: int, rng: random.Random, sections: int = 5, gated: bool = False) -> str:
    day = 1 + number % 28
    month = 1 + (number // 28) % 12
    header = [
        f"Title: Article de banc d'essai numéro {number}",
        f"Date: 2025-{month:02d}-{day:02d} 08:{number % 60:02d}",
        f"Category: {rng.choice(CATEGORIES)}",
        f"Tags: {', '.join(rng.sample(TAGS, 3))}",
        f"Summary: {sentence(rng)}",
    ]
    body = [paragraph(rng), paragraph(rng)]
    for index in range(1, sections + 1):
        if gated and index == 3:
            body.append("<!-- tier: abonnes -->")
        if gated and index == 5:
            body.append("<!-- tier: cercle -->")
        body.append(f"## Partie {index} : {rng.choice(WORDS)}")
        body.extend(paragraph(rng) for _ in range(3))
        if index == 2:
            body.append("\n".join(f"- {sentence(rng)}" for _ in range(4)))
        if index == 3:
            body.append(f"> {sentence(rng)}")
    body.append(f"Une note[^1] pour finir, et 1200 lecteurs.\n\n[^1]: {sentence(rng)}")
    return "\n".join(header) + "\n\n" + "\n\n".join(body) + "\n"


def generate(count: int, out: Path, seed: int = 7, gated_every: int = 0, sections: int = 5) -> None:
    rng = random.Random(seed)
    folder = out / "articles"
    if out.exists():
        shutil.rmtree(out)
    folder.mkdir(parents=True)
    for number in range(1, count + 1):
        gated = bool(gated_every) and number % gated_every == 0
        (folder / f"article-{number:05d}.md").write_text(article(number, rng, sections=sections, gated=gated), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("bench/corpus/content"))
    parser.add_argument("--gated-every", type=int, default=0,
                        help="one article in N has an abonnés part and a Cercle part (0: none)")
    args = parser.parse_args()
    generate(args.count, args.out, gated_every=args.gated_every)
    print(f"{args.count} articles dans {args.out}")

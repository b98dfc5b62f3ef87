"""Small French content for build tests."""

PARAGRAPH = (
    "Une communauté qui lit jusqu'au bout vaut mieux qu'une foule qui passe. "
    "On y revient, on y répond, on y apporte un ami : c'est là que tout se joue. "
)


def long_body(sections: int = 4, paragraphs: int = 6) -> str:
    parts = ["Une ouverture qui pose la question.\n"]
    for number in range(1, sections + 1):
        parts.append(f"## Partie numéro {number}\n")
        parts.extend(PARAGRAPH * 3 + "\n" for _ in range(paragraphs))
    return "\n".join(parts)


ARTICLE = """Title: L'avenir est au marketing des communautés
Date: 2026-11-22 08:30
Category: Communautés
Tags: profondeur, communauté
Summary: Pourquoi viser la profondeur plutôt que l'audience?
Series: Le marketing de la profondeur
Series_index: 1

{body}

Une note de bas de page[^1] et 12000 abonnés... Vraiment?

```text
site:forum.exemple.fr "nénufar" ?
```

[^1]: Une note.
"""

SECOND = """Title: Parler avec plutôt que parler à
Date: 2026-11-01 08:30
Category: Conversation
Tags: conversation
Series: Le marketing de la profondeur
Series_index: 2

Un court article, sans sommaire.
"""

ISSUE = """Title: Pourquoi cette lettre existe
Date: 2026-10-01 07:00
Issue: {number}
Summary: Le premier numéro.

Bonjour ! Voici la lettre numéro {number}.
"""

PAGE = """Title: S'abonner
Slug: s-abonner

Abonnez-vous : c'est gratuit.
"""


def basic_site() -> dict:
    return {
        "articles/avenir.md": ARTICLE.format(body=long_body()),
        "articles/parler.md": SECOND,
        "newsletter/numero-1.md": ISSUE.format(number=1),
        "newsletter/numero-2.md": ISSUE.format(number=2).replace("2026-10-01", "2026-11-05"),
        "pages/s-abonner.md": PAGE,
    }

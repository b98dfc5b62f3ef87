"""The leak audit reads the reserved text from the sources, not from the split,
and finds it in any file of the output, however it was escaped or typeset."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import site_settings
from publishing.build import BuildError
from tiers.audit import audit

ARTICLE = """Title: Les coulisses d'une lettre
Date: 2026-11-20 08:30
Category: Essais
Summary: Comment naît une lettre, vu de l'extérieur.

Le début public : une lettre naît d'une conversation, jamais d'un calendrier.
Cette phrase est publique et réservée à la fois dans ce texte.

<!-- tier: abonnes -->

## Les carnets du mardi

Le texte réservé raconte comment j'écris l'ébauche du mardi soir, à la main, dans un carnet bleu.
Cette phrase est publique et réservée à la fois dans ce texte.

![Une page du carnet bleu couverte de ratures](https://images.exemple/carnet.png "Le carnet des brouillons anciens")

Voir [la méthode complète](https://secret.exemple/methode-du-mardi "Méthode détaillée du mardi soir") et les CRM.

*[CRM]: logiciels de gestion des abonnés

```text
relance --segment fideles --delai trois-semaines
```
"""
WHOLE = """Title: Réservé en entier
Date: 2026-11-21 08:30
Category: Essais
Tier: cercle
Summary: Un résumé public.
Question: Quelle rencontre vous a le plus marqué cette année ?

Tout ce texte est pour le Cercle seulement.
"""

# (what is planted, as an author typed it): each unit the audit must know.
UNITS = {
    "prose": "comment j'écris l'ébauche du mardi soir, à la main, dans un carnet bleu",
    "heading": "Les carnets du mardi",
    "image description": "Une page du carnet bleu couverte de ratures",
    "image title": "Le carnet des brouillons anciens",
    "link address": "https://secret.exemple/methode-du-mardi",
    "link title": "Méthode détaillée du mardi soir",
    "abbreviation": "logiciels de gestion des abonnés",
    "code": "relance --segment fideles --delai trois-semaines",
    "question of a wholly reserved text": "Quelle rencontre vous a le plus marqué cette année ?",
}


@pytest.fixture
def site(build_site):
    return build_site({"articles/coulisses.md": ARTICLE, "articles/reserve.md": WHOLE}, PAGEFIND=True)


def settings_of(site):
    return site_settings(site.root, site.root / "content")


def test_a_clean_build_has_no_leak(site):
    assert audit(settings_of(site), site.output) == []
    assert any(p.suffix == ".pf_fragment" for p in site.all_files())


def _json_escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)[1:-1]


# How a phrase may reach a public file: (file, how it is written there).
PLANTS = {
    "alt attribute": ("images/page.html", lambda p: f'<p><img src="a.png" alt="{p}"></p>'),
    "meta content": ("un/index.html", lambda p: f'<meta name="description" content="{p}">'),
    "data attribute": ("deux/index.html", lambda p: f'<div data-resume="{p}"></div>'),
    "feed, escaped HTML": ("feeds/autre.atom.xml",
                           lambda p: f"<feed><entry><content type=\"html\">&lt;p&gt;{p.replace('&', '&amp;')}"
                                     "&lt;/p&gt;</content></entry></feed>"),
    "sitemap address": ("sitemap-bis.xml", lambda p: f"<urlset><url><loc>https://x.fr/{_slug(p)}/</loc></url></urlset>"),
    "Pagefind fragment": ("pagefind/fragment/fr_fuite.pf_fragment",
                          lambda p: gzip.compress(b"pagefind_dcd" + json.dumps({"content": p}).encode())),
    "JSON-LD, escaped": ("trois/index.html",
                         lambda p: f'<script type="application/ld+json">{{"description": "{_json_escaped(p)}"}}</script>'),
    "plain text": ("notes.txt", lambda p: p),
}


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())


def _plant(site, where: str, content) -> None:
    path = site.output / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("plant", PLANTS)
@pytest.mark.parametrize("unit", UNITS)
def test_every_reserved_unit_is_found_wherever_it_is_planted(site, unit, plant):
    where, write = PLANTS[plant]
    _plant(site, where, write(UNITS[unit]))
    leaks = audit(settings_of(site), site.output)
    assert [leak.path for leak in leaks] == [where], leaks


@pytest.mark.parametrize("disguise", [
    lambda p: p.replace("'", "\u2019"),  # typographic apostrophe
    lambda p: p.replace(" ", "\u202f"),  # narrow no-break spaces
    lambda p: p.replace("a", "a\u00ad").replace("e", "e\u200b"),  # soft hyphens, zero-width spaces
    lambda p: p.upper(),
    lambda p: p.replace("é", "&eacute;").replace("à", "&#224;"),  # entities
    lambda p: _slug(p),  # an address built from it
    lambda p: "<em>" + p.replace(" ", " <strong></strong>", 2) + "</em>",  # inline markup
], ids=["apostrophe", "nnbsp", "soft-hyphen", "uppercase", "entities", "slug", "markup"])
def test_a_disguised_leak_is_found(site, disguise):
    _plant(site, "page.html", f"<p>{disguise(UNITS['prose'])}</p>")
    assert [leak.path for leak in audit(settings_of(site), site.output)] == ["page.html"]


def test_what_the_public_part_also_says_is_not_a_leak(site):
    _plant(site, "page.html", "<p>Cette phrase est publique et réservée à la fois dans ce texte.</p>")
    assert audit(settings_of(site), site.output) == []


def test_the_message_names_the_file_the_phrase_and_the_source(site):
    _plant(site, "page.html", f"<p>{UNITS['heading']}</p>")
    (leak,) = audit(settings_of(site), site.output)
    assert str(leak) == ("page.html\u00a0: contient «\u202fles carnets du mardi\u202f», texte réservé de "
                         "content/articles/coulisses.md:11 (abonnes)")


def test_the_audit_does_not_trust_the_split(build_site, monkeypatch):
    """A split that forgot its dividers would publish everything: the audit,
    which reads the sources itself, refuses the build."""
    import tiers.reader
    from tiers.split import SourcePart

    def careless_cut(text, ladder, start, start_line=None, fences=True):
        kept = "\n".join(line for line in text.split("\n") if "tier:" not in line)
        return [SourcePart(ladder.public.id, kept, 1)]

    monkeypatch.setattr(tiers.reader, "cut", careless_cut)
    with pytest.raises(BuildError) as failure:
        build_site({"articles/coulisses.md": ARTICLE})
    message = str(failure.value)
    assert "fuite de texte réservé" in message
    assert "coulisses/index.html\u00a0: contient «\u202f" in message or "les-coulisses-d-une-lettre/index.html" in message


def test_a_phrase_the_author_declares_public_is_not_a_leak(site):
    _plant(site, "page.html", f"<p>{UNITS['heading']}</p>")
    settings = settings_of(site)
    assert [leak.path for leak in audit(settings, site.output)] == ["page.html"]
    assert audit(dict(settings, AUDIT_PUBLIC_PHRASES=["Les carnets du mardi"]), site.output) == []

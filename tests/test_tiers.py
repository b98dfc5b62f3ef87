"""Depth tiers: gated parts never reach the public output; members get them."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from publishing.build import BuildError
from tiers.seal import PBKDF2_ITERATIONS, normalise

ABONNES_CANARY = "pipistrelleabonnes"
CERCLE_CANARY = "salamandrecercle"
WHOLE_CANARY = "tritonintegral"

OPENING = (
    "Une ouverture publique qui pose la question de la profondeur et de la fidélité, "
    "assez longue pour se lire seule avant la suite."
)


def gated_paragraph(canary: str, n: int = 40) -> str:
    return f"Le texte réservé commence ici avec {canary} puis continue. " + " ".join(
        f"mot{canary}{i}" for i in range(n)
    )


DIVIDED = f"""Title: Un article en trois profondeurs
Date: 2026-11-20 08:30
Category: Communautés
Tags: profondeur

{OPENING}

## Une partie publique

Encore du texte public, pour le sommaire.

```text
<!-- tier: cercle -->
```

<!-- tier: abonnes -->

## La méthode en détail {ABONNES_CANARY}

{gated_paragraph(ABONNES_CANARY)}

<!-- tier: cercle -->

## Les coulisses

{gated_paragraph(CERCLE_CANARY)}
"""

WHOLE = f"""Title: Réservé de bout en bout
Date: 2026-11-21 08:30
Category: Communautés
Tier: abonnes
Summary: Un résumé écrit par l'autrice, public par choix.

{gated_paragraph(WHOLE_CANARY)}
"""

PUBLIC = """Title: Un article ouvert
Date: 2026-11-19 08:30
Category: Communautés

Tout est public ici, sans séparateur.
"""

FILES = {"articles/divise.md": DIVIDED, "articles/entier.md": WHOLE, "articles/ouvert.md": PUBLIC}
KEYS = {"NENUFAR_KEY_ABONNES": "clé des abonnés, assez longue", "NENUFAR_KEY_CERCLE": "clé du Cercle, plus longue encore"}


def output_texts(site):
    """Every output file as text, decompressed when compressed (Pagefind fragments)."""
    for path in site.all_files():
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield path, data.decode("utf-8", errors="ignore")


def assert_no_canary(site, *canaries):
    for path, text in output_texts(site):
        for canary in canaries:
            assert canary not in text, f"{canary} leaked into {path}"


@pytest.fixture
def tiered(build_site, monkeypatch):
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    return build_site(FILES, PAGEFIND=True)


def test_no_gated_text_anywhere_in_the_public_output(tiered):
    assert any(p.suffix == ".pf_fragment" for p in tiered.all_files())  # search index was built
    assert_no_canary(tiered, ABONNES_CANARY, CERCLE_CANARY, WHOLE_CANARY)
    # The gated heading is gone from the table of contents and the page.
    assert "La méthode en détail" not in tiered.text("un-article-en-trois-profondeurs/index.html")


def test_teaser_says_which_tier_how_much_and_where_to_go(tiered):
    soup = tiered.soup("un-article-en-trois-profondeurs/index.html")
    gates = soup.select(".tier-gate")
    assert len(gates) == 1  # without keys, one teaser stands for everything withheld
    gate = gates[0]
    assert gate.h2.get_text() == "La suite est réservée aux abonnés"
    remaining = gate.select_one(".tier-remaining").get_text()
    assert remaining.startswith("Encore ") and "\u00a0mots, 1\u00a0min de lecture" in remaining
    assert "réservée au Cercle" in remaining
    assert gate.select_one("a.button")["href"].endswith("/s-abonner/")
    assert gate.has_attr("data-pagefind-ignore")
    assert not soup.select(".tier-sealed")  # no keys: nothing sealed is embedded
    # The public opening and the code block's literal divider are still there.
    assert "Une ouverture publique" in soup.select_one(".e-content").get_text()
    assert "<!-- tier: cercle -->" in soup.select_one("pre").get_text()


def test_teaser_counts_words_with_french_grouping(build_site):
    body = "\n\n".join(gated_paragraph(f"long{i}", 120) for i in range(10))
    site = build_site({"articles/long.md": f"Title: Long\nDate: 2026-11-20\nTier: abonnes\n\n{body}\n"})
    remaining = site.soup("long/index.html").select_one(".tier-remaining").get_text()
    # 10 paragraphs of 129 words; 1 290 words at 220 words a minute.
    assert remaining == "Encore 1\u202f290\u00a0mots, 6\u00a0min de lecture."


def test_json_ld_marks_the_gated_block(tiered):
    soup = tiered.soup("un-article-en-trois-profondeurs/index.html")
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"]["isAccessibleForFree"] is False
    assert soup.select(data["hasPart"]["cssSelector"])
    open_data = json.loads(tiered.soup("un-article-ouvert/index.html")
                           .select_one('script[type="application/ld+json"]').string)
    assert open_data["isAccessibleForFree"] is True


def test_whole_body_tier_keeps_only_title_summary_and_teaser_public(tiered):
    soup = tiered.soup("reserve-de-bout-en-bout/index.html")
    assert soup.h1.get_text() == "Réservé de bout en bout"
    assert soup.select_one(".e-content").get_text().strip() == ""
    assert "Un résumé écrit par l’autrice" in soup.select_one('meta[name="description"]')["content"]
    assert soup.select_one(".tier-gate h2").get_text() == "La suite est réservée aux abonnés"


def test_private_feeds_hold_each_tier_and_those_below(tiered):
    private = tiered.root / "private" / "flux"
    abonnes = (private / "abonnes.atom.xml").read_text(encoding="utf-8")
    cercle = (private / "cercle.atom.xml").read_text(encoding="utf-8")
    assert ABONNES_CANARY in abonnes and WHOLE_CANARY in abonnes and CERCLE_CANARY not in abonnes
    assert all(c in cercle for c in (ABONNES_CANARY, CERCLE_CANARY, WHOLE_CANARY))
    assert "Une ouverture publique" in abonnes
    assert not (tiered.output / "flux").exists()


def test_sealed_parts_open_with_the_right_key_only(build_site, monkeypatch):
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    site = build_site(FILES)
    assert_no_canary(site, ABONNES_CANARY, CERCLE_CANARY, WHOLE_CANARY)
    soup = site.soup("un-article-en-trois-profondeurs/index.html")
    envelope = json.loads(soup.select_one("#tier-envelope").string)
    assert envelope["iterations"] >= 600_000 == PBKDF2_ITERATIONS
    gates = soup.select(".tier-gate")
    assert [g["data-tier"] for g in gates] == ["abonnes", "cercle"]
    assert all(g.select_one(".tier-sealed").has_attr("data-pagefind-ignore") or g.has_attr("data-pagefind-ignore")
               for g in gates)

    def open_with(passphrase: str, gate) -> str:
        for opener in envelope["openers"].values():
            salt = base64.b64decode(opener["salt"])
            kek = hashlib.pbkdf2_hmac("sha256", normalise(passphrase), salt, envelope["iterations"], 32)
            tier = gate["data-tier"]
            if tier not in opener["wraps"]:
                continue
            wrapped = base64.b64decode(opener["wraps"][tier])
            try:
                key = AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], f"cle:{tier}".encode())
            except Exception:
                continue
            sealed = gate.select_one(".tier-sealed")
            return AESGCM(key).decrypt(base64.b64decode(sealed["data-nonce"]),
                                       base64.b64decode(sealed["data-sealed"]), tier.encode()).decode()
        raise PermissionError(passphrase)

    assert ABONNES_CANARY in open_with(KEYS["NENUFAR_KEY_ABONNES"], gates[0])
    assert ABONNES_CANARY in open_with(KEYS["NENUFAR_KEY_CERCLE"], gates[0])  # higher opens lower
    assert CERCLE_CANARY in open_with(KEYS["NENUFAR_KEY_CERCLE"], gates[1])
    with pytest.raises(PermissionError):
        open_with(KEYS["NENUFAR_KEY_ABONNES"], gates[1])
    with pytest.raises(PermissionError):
        open_with("une clé fausse mais longue", gates[0])


def test_salts_change_with_every_build(build_site, monkeypatch):
    monkeypatch.setenv("NENUFAR_KEY_ABONNES", KEYS["NENUFAR_KEY_ABONNES"])
    salts = []
    for _ in range(2):
        site = build_site(FILES)
        envelope = json.loads(site.soup("un-article-en-trois-profondeurs/index.html")
                              .select_one("#tier-envelope").string)
        salts.append(envelope["openers"]["abonnes"]["salt"])
    assert salts[0] != salts[1]


def test_only_lower_key_seals_lower_tier_and_teases_the_rest(build_site, monkeypatch):
    monkeypatch.delenv("NENUFAR_KEY_CERCLE", raising=False)
    monkeypatch.setenv("NENUFAR_KEY_ABONNES", KEYS["NENUFAR_KEY_ABONNES"])
    site = build_site(FILES)
    gates = site.soup("un-article-en-trois-profondeurs/index.html").select(".tier-gate")
    assert [bool(g.select_one(".tier-sealed")) for g in gates] == [True, False]


def test_short_key_fails_the_build(build_site, monkeypatch):
    monkeypatch.setenv("NENUFAR_KEY_ABONNES", "trop-courte")
    with pytest.raises(BuildError, match="NENUFAR_KEY_ABONNES.*16 caractères"):
        build_site(FILES)


@pytest.mark.parametrize("body, line, message", [
    ("Début.\n\n<!-- tier: premium -->\n\nSuite.", 7, "palier inconnu « premium »"),
    ("Début.\n\n<!-- tier: cercle -->\n\nSuite.\n\n<!-- tier: abonnes -->\n\nFin.", 11,
     "la profondeur ne peut que croître"),
    ("Début.\n\n> Citation\n>\n> <!-- tier: abonnes -->\n\nFin.", None, "seul sur sa ligne"),
])
def test_bad_dividers_fail_naming_file_and_line(build_site, body, line, message):
    with pytest.raises(BuildError) as failure:
        build_site({"articles/faux.md": f"Title: Faux\nDate: 2026-11-20\nCategory: Essais\n\n{body}\n"})
    text = str(failure.value)
    assert message in text
    assert (f"content/articles/faux.md:{line}" if line else "content/articles/faux.md") in text


def test_unknown_tier_metadata_fails_naming_the_line(build_site):
    with pytest.raises(BuildError, match=r"content/articles/faux\.md:3\u00a0: palier inconnu « vip »"):
        build_site({"articles/faux.md": "Title: Faux\nDate: 2026-11-20\nTier: vip\n\nTexte.\n"})


def test_output_sources_is_refused(build_site):
    with pytest.raises(BuildError, match="OUTPUT_SOURCES"):
        build_site(FILES, OUTPUT_SOURCES=True)


def test_audit_finds_a_leak_in_any_file_even_compressed(tiered):
    from conftest import site_settings
    from tiers.audit import audit

    settings = site_settings(tiered.root, tiered.root / "content")
    assert audit(settings, tiered.output) == []
    leaked = " ".join(f"mot{CERCLE_CANARY}{i}" for i in range(20))  # only in the cercle part
    (tiered.output / "fuite.txt.gz").write_bytes(gzip.compress(json.dumps({"t": leaked}).encode()))
    (tiered.output / "autre.html").write_text(f"<p>{leaked[:200]}</p>", encoding="utf-8")
    leaks = audit(settings, tiered.output)
    assert sorted(leak.path for leak in leaks) == ["autre.html", "fuite.txt.gz"]
    assert all(leak.where.endswith("(cercle)") for leak in leaks)
    assert str(leaks[-1]).startswith("fuite.txt.gz\u00a0: contient «\u202f")


def test_build_refuses_a_theme_that_leaks(build_site, tmp_path, monkeypatch):
    """A template mistake that prints a gated part fails the build; output/ is untouched."""
    import shutil

    from conftest import ROOT

    theme = tmp_path / "theme-fautif"
    shutil.copytree(ROOT / "theme", theme)
    template = theme / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{{ article.content }}",
        "{{ article.content }}{% if article.tier_split %}{{ article.tier_split.gated[0].html }}{% endif %}"),
        encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build_site(FILES, THEME=str(theme))
    text = str(failure.value)
    assert "fuite de texte réservé" in text
    assert "un-article-en-trois-profondeurs/index.html" in text
    assert not (tmp_path / "output").exists()


# Each public surface: (file, text that must be there, so the check is not vacuous).
SURFACES = {
    "article page": ("un-article-en-trois-profondeurs/index.html", "Une ouverture publique"),
    "home listing": ("index.html", "Un article en trois profondeurs"),
    "category page": ("rubrique/communautes/index.html", "Un article en trois profondeurs"),
    "tag page": ("etiquette/profondeur/index.html", "Un article en trois profondeurs"),
    "archives": ("archives/index.html", "Un article en trois profondeurs"),
    "Atom feed": ("feeds/tout.atom.xml", "Une ouverture publique"),
    "RSS feed": ("feeds/tout.rss.xml", "Une ouverture publique"),
    "category feed": ("feeds/rubrique-communautes.atom.xml", "Une ouverture publique"),
    "sitemap": ("sitemap.xml", "un-article-en-trois-profondeurs/"),
}


@pytest.mark.parametrize("surface", SURFACES)
def test_each_public_surface_has_the_opening_and_nothing_gated(tiered, surface):
    path, present = SURFACES[surface]
    text = tiered.text(path)
    assert present in text
    for canary in (ABONNES_CANARY, CERCLE_CANARY, WHOLE_CANARY):
        assert canary not in text


def test_meta_description_opengraph_and_json_ld_come_from_the_public_part(tiered):
    soup = tiered.soup("un-article-en-trois-profondeurs/index.html")
    described = [soup.select_one('meta[name="description"]')["content"],
                 soup.select_one('meta[property="og:description"]')["content"],
                 json.loads(soup.select_one('script[type="application/ld+json"]').string)["description"]]
    for text in described:
        assert text.startswith("Une ouverture publique")
        assert ABONNES_CANARY not in text


def test_search_index_has_the_opening_not_the_gated_parts(tiered):
    fragments = [gzip.decompress(p.read_bytes()).decode("utf-8", "ignore")
                 for p in tiered.all_files() if p.suffix == ".pf_fragment"]
    assert any("Une ouverture publique" in f for f in fragments)
    assert not any(c in f for f in fragments for c in (ABONNES_CANARY, CERCLE_CANARY, WHOLE_CANARY))


def test_private_output_inside_the_public_output_is_refused(build_site, tmp_path):
    with pytest.raises(BuildError, match="PRIVATE_OUTPUT_PATH"):
        build_site(FILES, PRIVATE_OUTPUT_PATH=str(tmp_path / "output" / "prive"))


def test_invoke_audit_reports_a_leak_in_french(project):
    from conftest import write_content
    from test_cli import invoke

    write_content(project / "content", FILES)
    built = invoke(project, "build", env={k: "" for k in KEYS})
    assert built.returncode == 0
    assert "Paliers\u00a0: sans clé (NENUFAR_KEY_ABONNES, NENUFAR_KEY_CERCLE)" in built.stdout
    clean = invoke(project, "audit")
    assert clean.returncode == 0 and "Aucune fuite" in clean.stdout
    leaked = " ".join(f"mot{ABONNES_CANARY}{i}" for i in range(10))
    (project / "output" / "copie.html").write_text(f"<p>{leaked}</p>", encoding="utf-8")
    done = invoke(project, "audit")
    assert done.returncode == 1
    assert "texte réservé trouvé dans 1 fichier" in done.stderr
    assert "copie.html\u00a0: contient «\u202f" in done.stderr and "(abonnes)" in done.stderr


@pytest.mark.parametrize("feed", ["feeds/tout.atom.xml", "feeds/tout.rss.xml"])
def test_public_feeds_end_gated_entries_with_the_teaser(tiered, feed):
    from lxml import etree

    root = etree.fromstring(tiered.file(feed).read_bytes())
    bodies = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}content", "description")]
    gated = [b for b in bodies if "Une ouverture publique" in b]
    assert len(gated) == 1
    assert "La suite est réservée aux abonnés\u00a0: encore " in gated[0]
    assert 'href="' in gated[0] and "/s-abonner/" in gated[0]
    assert not any("réservée" in b for b in bodies if "Tout est public ici" in b)


def test_changing_the_ladder_reads_the_texts_again(tmp_path):
    """The reader cache keeps splits; a new TIERS must not be served stale ones."""
    from conftest import site_settings, write_content
    from publishing.build import build

    write_content(tmp_path / "content", FILES)  # once: the files stay as the cache saw them
    settings = site_settings(tmp_path, tmp_path / "content", LOAD_CONTENT_CACHE=True)
    build(settings)
    renamed = [dict(t, id="membres") if t["id"] == "abonnes" else t for t in settings["TIERS"]]
    with pytest.raises(BuildError, match="palier inconnu « abonnes »"):
        build(dict(settings, TIERS=renamed))


def test_footnotes_stay_with_the_part_that_calls_them(build_site):
    text = ("Title: Notes\nDate: 2026-11-20\n\nPublic[^a].\n\n[^a]: Une note publique.\n\n"
            "<!-- tier: abonnes -->\n\n"
            f"Réservé[^b] {ABONNES_CANARY}, rappel[^a].\n\n[^b]: Une note {CERCLE_CANARY}.\n")
    site = build_site({"articles/notes.md": text})
    soup = site.soup("notes/index.html")
    notes = soup.select(".e-content .footnote li")
    assert [li.get_text().strip().rstrip("↩").strip() for li in notes] == ["Une note publique."]
    assert soup.select_one('.e-content a.footnote-ref')["href"] == "#fn:a"
    assert soup.select_one("#fn\\:a")  # the call has its target on the public page
    assert CERCLE_CANARY not in site.text("notes/index.html")
    feed = (site.root / "private" / "flux" / "abonnes.atom.xml").read_text(encoding="utf-8")
    assert CERCLE_CANARY in feed and 'start="2"' in feed  # numbered as in the whole text
    # The reserved part's call to the public note points to it, with its number.
    from lxml import etree

    body = etree.fromstring(feed.encode()).find(".//{http://www.w3.org/2005/Atom}content").text
    assert 'id="fnref:abonnes-a"><a class="footnote-ref" href="#fn:a">1</a>' in body
    assert body.count('id="fn:a"') == 1 and 'id="fn:abonnes-b"' in body
    # Once opened (private feed, email edition), every note sits at the end, after the reserved part.
    assert body.index("Réservé") < body.index('id="fn:a"') and body.count('class="footnote"') == 1
    assert body.index('<ol start="2">') > body.index('id="fn:a"')  # the lists in reading order

"""Drafts and hidden texts stay private: not indexed, not in production builds."""

from __future__ import annotations

import gzip

from conftest import ROOT, site_settings, write_content
from publishing.build import build, load_settings

PUBLISHED = "Title: Publié\nDate: 2026-11-01\nCategory: Essais\n\nUn texte publié, avec martinet.\n"
DRAFT = "Title: En cours\nDate: 2026-11-02\nCategory: Essais\nStatus: draft\n\nUn brouillon avec engoulevent.\n"
HIDDEN = "Title: Caché\nDate: 2026-11-03\nCategory: Essais\nStatus: hidden\n\nUn texte caché avec torcol.\n"
DRAFT_PAGE = "Title: Page en cours\nStatus: draft\n\nUne page en cours avec bouvreuil.\n"
ISSUE = "Title: La lettre parue\nDate: 2026-11-01\nIssue: 2\n\nBonjour, avec sittelle.\n"
DRAFT_ISSUE = "Title: La lettre en cours\nDate: 2026-11-04\nIssue: 3\nStatus: draft\n\nBonjour, avec grèbe.\n"
FILES = {"articles/publie.md": PUBLISHED, "articles/en-cours.md": DRAFT, "articles/cache.md": HIDDEN,
         "pages/en-cours.md": DRAFT_PAGE, "newsletter/numero-2.md": ISSUE, "newsletter/numero-3.md": DRAFT_ISSUE}


def fragments(output) -> str:
    return "\n".join(gzip.decompress(p.read_bytes()).decode("utf-8", "ignore")
                     for p in output.rglob("*.pf_fragment"))


def test_drafts_and_hidden_texts_are_not_indexed_but_previewed(build_site):
    site = build_site(FILES, PAGEFIND=True)
    index = fragments(site.output)
    assert "martinet" in index
    for word in ("engoulevent", "torcol", "bouvreuil", "grèbe"):
        assert word not in index, word
    assert site.file("brouillons/en-cours/index.html").exists()
    assert site.file("brouillons/pages/page-en-cours/index.html").exists()
    assert "grèbe" in site.text("brouillons/lettre/3/index.html")  # a draft letter is previewed like an article
    assert '<meta name="robots" content="noindex">' in site.text("brouillons/lettre/3/index.html")
    assert sorted(site.result.previews) == [
        ("http://localhost:8000/brouillons/en-cours/", "content/articles/en-cours.md"),
        ("http://localhost:8000/brouillons/lettre/3/", "content/newsletter/numero-3.md"),
        ("http://localhost:8000/brouillons/pages/page-en-cours/", "content/pages/en-cours.md"),
    ]
    # Out of every list: the archive, the home page, the letter's feed, the sitemap.
    for listing in ("lettre/index.html", "index.html", "feeds/lettre.atom.xml", "sitemap.xml"):
        assert "La lettre en cours" not in site.text(listing) and "lettre/3" not in site.text(listing), listing
    assert not site.file("lettre/3/index.html").exists()


def test_a_site_of_drafts_only_indexes_none_of_them(build_site):
    site = build_site({"articles/en-cours.md": DRAFT}, PAGEFIND=True)
    assert "engoulevent" not in fragments(site.output)


def test_production_builds_write_no_drafts(tmp_path):
    write_content(tmp_path / "content", FILES)
    overrides = site_settings(tmp_path, tmp_path / "content")
    settings = load_settings(str(ROOT / "publishconf.py"), {k: overrides[k] for k in (
        "PATH", "OUTPUT_PATH", "CACHE_PATH", "PRIVATE_OUTPUT_PATH", "THEME", "PLUGIN_PATHS", "PAGEFIND")})
    result = build(settings)
    output = tmp_path / "output"
    assert not (output / "brouillons").exists()
    assert result.previews == ()
    assert "engoulevent" not in "\n".join(p.read_text(encoding="utf-8", errors="ignore")
                                          for p in output.rglob("*") if p.is_file())

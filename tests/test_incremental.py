"""Rebuilds reuse unchanged pages, and never show stale ones."""

import os

from sample import SECOND, basic_site

SLUG = "l-avenir-est-au-marketing-des-communautes"
OTHER = "parler-avec-plutot-que-parler-a"


def _inode(site, path):
    return os.stat(site.file(path)).st_ino


def test_unchanged_pages_are_reused_and_changed_ones_rendered(build_site):
    files = basic_site()
    first = build_site(files, LOAD_CONTENT_CACHE=True)
    other_before = first.text(f"{OTHER}/index.html")
    issue_inode = _inode(first, "lettre/1/index.html")

    files["articles/avenir.md"] += "\nUn paragraphe ajouté à la fin.\n"
    second = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "Un paragraphe ajouté à la fin." in second.text(f"{SLUG}/index.html")
    assert second.text(f"{OTHER}/index.html") == other_before
    assert _inode(second, "lettre/1/index.html") == issue_inode  # linked, not rendered


def test_a_new_title_reaches_the_pages_that_show_it(build_site):
    files = basic_site()
    build_site(files, LOAD_CONTENT_CACHE=True)
    files["articles/parler.md"] = SECOND.replace("Title: Parler avec plutôt que parler à",
                                                 "Title: Parler avec, pas parler à")
    site = build_site(files, LOAD_CONTENT_CACHE=True)
    # The series box and the neighbour link of the other article show the new title.
    assert "Parler avec, pas parler à" in site.text(f"{SLUG}/index.html")


def test_a_template_change_renders_everything_again(build_site, tmp_path):
    import shutil
    from conftest import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    files = basic_site()
    build_site(files, LOAD_CONTENT_CACHE=True, THEME=str(theme))
    template = theme / "templates" / "newsletter.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "<article", "<p>Bandeau ajouté</p><article", 1), encoding="utf-8")
    site = build_site(files, LOAD_CONTENT_CACHE=True, THEME=str(theme))
    assert "Bandeau ajouté" in site.text("lettre/1/index.html")


def test_listings_are_reused_until_a_card_changes(build_site):
    files = basic_site()
    first = build_site(files, LOAD_CONTENT_CACHE=True)
    home = _inode(first, "index.html")
    # Same card (title, Summary:, reading time): the listings stay as they were.
    files["articles/avenir.md"] += "\nUne phrase de plus.\n"
    second = build_site(files, LOAD_CONTENT_CACHE=True)
    assert _inode(second, "index.html") == home
    assert "Une phrase de plus." in second.text(f"{SLUG}/index.html")
    # An automatic summary is part of the card: it changes with the opening.
    files["articles/parler.md"] = files["articles/parler.md"].replace("Un court article", "Un bref article")
    assert "Un bref article" in build_site(files, LOAD_CONTENT_CACHE=True).text("index.html")
    files["articles/avenir.md"] = files["articles/avenir.md"].replace(
        "Summary: Pourquoi viser la profondeur", "Summary: Pourquoi préférer la profondeur")
    third = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "Pourquoi préférer la profondeur" in third.text("index.html")
    assert "Pourquoi préférer la profondeur" in third.text("etiquette/profondeur/index.html")


def test_a_new_summary_reaches_the_page_metadata(build_site):
    import json

    files = basic_site()
    build_site(files, LOAD_CONTENT_CACHE=True)
    files["articles/avenir.md"] = files["articles/avenir.md"].replace(
        "Summary: Pourquoi viser la profondeur plutôt que l'audience?",
        "Summary: Une phrase corrigée, la seule qui doit rester.")
    site = build_site(files, LOAD_CONTENT_CACHE=True)
    soup = site.soup(f"{SLUG}/index.html")
    expected = "Une phrase corrigée, la seule qui doit rester."
    assert soup.select_one('meta[name="description"]')["content"] == expected
    assert soup.select_one('meta[property="og:description"]')["content"] == expected
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["description"] == expected
    # The retracted sentence is nowhere in the output any more.
    assert not [p for p in site.all_files() if "viser la profondeur" in p.read_text(encoding="utf-8", errors="ignore")]


def test_a_failed_build_leaves_no_fingerprints_behind(build_site, tmp_path):
    import pytest

    from publishing.build import BuildError

    files = basic_site()
    build_site(files, LOAD_CONTENT_CACHE=True)
    # This build fails (a broken comment file) after Pelican has rendered the new text.
    files["articles/parler.md"] = SECOND.replace("Un court article", "Un article corrigé")
    with pytest.raises(BuildError):
        build_site(dict(files, **{f"conversations/{OTHER}/casse.md": "Auteur: Personne\n\nTexte.\n"}),
                   LOAD_CONTENT_CACHE=True)
    # The author removes the broken file; the corrected article must not come from the old site.
    (tmp_path / "content" / "conversations" / OTHER / "casse.md").unlink()
    site = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "Un article corrigé" in site.text(f"{OTHER}/index.html")


def test_fingerprints_of_another_output_folder_are_not_used(build_site, tmp_path):
    files = basic_site()
    elsewhere = str(tmp_path / "ailleurs")
    build_site(files, LOAD_CONTENT_CACHE=True)
    build_site(files, LOAD_CONTENT_CACHE=True, OUTPUT_PATH=elsewhere)
    files["articles/parler.md"] = SECOND.replace("Un court article", "Un article corrigé")
    build_site(files, LOAD_CONTENT_CACHE=True, OUTPUT_PATH=elsewhere)
    # output/ still holds the first text; the fingerprints saved last describe ailleurs/.
    site = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "Un article corrigé" in site.text(f"{OTHER}/index.html")


def test_a_mistake_found_by_a_reader_is_reported_again_on_the_next_build(build_site):
    import pytest

    from publishing.build import BuildError

    files = basic_site()
    build_site(files, LOAD_CONTENT_CACHE=True)
    files["articles/parler.md"] = SECOND + "\n<!-- tier: premium -->\n\nLa suite.\n"
    for _ in range(2):  # the file is unchanged the second time: its read was cached
        with pytest.raises(BuildError, match="palier inconnu « premium »"):
            build_site(files, LOAD_CONTENT_CACHE=True)


def test_a_reader_setting_change_reads_every_text_again(build_site, tmp_path):
    """PYGMENTS_RST_OPTIONS, MARKDOWN, a plugin's setting: what the readers produce depends on them.
    The sources are left untouched between builds, so the reader cache would answer if it could."""
    from conftest import site_settings
    from publishing.build import build

    files = basic_site()
    files["articles/code.rst"] = ("Du code\n#######\n\n:date: 2026-11-20\n\n.. code-block:: python\n\n"
                                  "    print('bonjour')\n    print('au revoir')\n")
    first = build_site(files, LOAD_CONTENT_CACHE=True)
    assert "linenos" not in first.text("du-code/index.html")

    def rebuild(**overrides):
        build(site_settings(tmp_path, tmp_path / "content", LOAD_CONTENT_CACHE=True, **overrides))
        return lambda path: (first.output / path).read_text(encoding="utf-8")

    same = rebuild()
    assert "linenos" not in same("du-code/index.html")
    numbered = rebuild(PYGMENTS_RST_OPTIONS={"linenos": "table"})
    assert "linenos" in numbered("du-code/index.html")
    extension = rebuild(PYGMENTS_RST_OPTIONS={"linenos": "table"},
                        MARKDOWN={"extension_configs": {"markdown.extensions.toc": {"permalink": "#"}}})
    assert 'class="headerlink"' in extension(f"{SLUG}/index.html")

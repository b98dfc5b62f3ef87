"""Every content file is published, set aside on purpose, or named in an error;
ARTICLE_PATHS = [""] (Pelican's own default) works with the right file names."""

from __future__ import annotations

import pytest

from publishing.build import BuildError
from sample import basic_site

ROOT_ARTICLE = "Title: À la racine\nDate: 2026-11-10 08:30\nCategory: Essais\n\nUn article à la racine du contenu.\n"
COMMENT = "Author: Léa\nDate: 2026-11-11 09:00\n\nMerci pour cet article.\n"
RST = "Un texte en reST\n################\n\n:date: 2026-11-12\n:category: Essais\n\nDu texte en reST.\n"


@pytest.mark.parametrize("stray", ["egare.md", "notes/idee.rst", "vieux/billet.html"])
def test_a_text_no_folder_reads_fails_the_build_naming_it(build_site, stray):
    files = {**basic_site(), stray: ROOT_ARTICLE}
    with pytest.raises(BuildError) as failure:
        build_site(files)
    message = str(failure.value)
    assert f"content/{stray}\u00a0: aucun dossier de contenu ne lit ce fichier" in message
    assert "content/articles/ (articles), content/pages/ (pages), content/newsletter/ (lettre)" in message


def test_texts_set_aside_on_purpose_are_not_errors(build_site):
    files = {**basic_site(), "README.md": "Notes de l’autrice, jamais publiées.\n",
             "brouillons-perso/idee.md": ROOT_ARTICLE, "extra/notes.md": "Copié tel quel.\n"}
    site = build_site(files, ARTICLE_EXCLUDES=["conversations", "brouillons-perso"])
    assert site.result.articles == 2
    assert site.file("extra/notes.md").exists()  # a static file, copied as Pelican does


def test_article_paths_covering_everything(build_site):
    files = {**basic_site(), "racine.md": ROOT_ARTICLE, "essais/texte.rst": RST,
             "conversations/a-la-racine/1.md": COMMENT}
    site = build_site(files, ARTICLE_PATHS=[""])
    assert site.result.articles == 4 and site.result.issues == 2 and site.result.pages == 1
    assert "Merci pour cet article." in site.text("a-la-racine/index.html")
    assert site.file("un-texte-en-rest/index.html").exists()
    assert site.file("lettre/2/index.html").exists()
    # Issues are not read as articles too.
    assert not site.file("pourquoi-cette-lettre-existe/index.html").exists()


def test_article_paths_covering_everything_names_files_plainly(build_site):
    files = {**basic_site(), "racine.md": ROOT_ARTICLE.replace("2026-11-10 08:30", "mardi")}
    with pytest.raises(BuildError) as failure:
        build_site(files, ARTICLE_PATHS=[""])
    message = str(failure.value).replace("\u00a0", " ").replace("\u202f", " ")
    assert "content/racine.md:2 : date illisible « mardi »" in message
    assert "./" not in message and "message précédent" not in message

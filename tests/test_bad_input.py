"""Bad content fails the build with the file, the line and the problem."""

import pytest

from publishing.build import BuildError
from sample import ISSUE, basic_site

GOOD = "Title: Un titre\nDate: 2026-11-22\n\nTexte.\n"


def _problems(build_site, files):
    with pytest.raises(BuildError) as caught:
        build_site(files)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("Date: 2026-11-22\n\nTexte.\n", "content/articles/x.md : métadonnée obligatoire manquante : « Title: »"),
        ("Title: Un titre\n\nTexte.\n", "content/articles/x.md : métadonnée obligatoire manquante : « Date: »"),
        ("Title: Un titre\nDate: 32/13/2026\n\nTexte.\n", "content/articles/x.md:2 : date illisible « 32/13/2026 »"),
        ("Title: Un titre\nDate 2026-11-22\n\nTexte.\n", "content/articles/x.md:2 : « Date 2026-11-22 » n’est pas une ligne de métadonnées"),
        ("Title: Un titre\nDate: 2026-11-22\nCatgory: Écoute\n\nTexte.\n", "content/articles/x.md:3 : clé de métadonnées inconnue « catgory » ; vouliez-vous dire « Category » ?"),
        ("Title: Un titre\nTitle: Un autre\nDate: 2026-11-22\n\nTexte.\n", "content/articles/x.md:2 : la clé « Title » est répétée"),
        ("Title: Un titre\nDate: 2026-11-22\nStatus: brouillon\n\nTexte.\n", "content/articles/x.md:3 : statut « brouillon » inconnu"),
        ("Title: Un titre\nDate: 2026-11-22\nSeries_index: deux\n\nTexte.\n", "content/articles/x.md:3 : « Series_index: deux » doit être un nombre entier positif"),
    ],
)
def test_article_metadata_problems_are_named(build_site, source, expected):
    problems = _problems(build_site, {"articles/ok.md": GOOD, "articles/x.md": source})
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once(build_site):
    problems = _problems(build_site, {
        "articles/a.md": "Date: 2026-11-22\n\nTexte.\n",
        "articles/b.md": "Title: B\nDate: demain\n\nTexte.\n",
    })
    assert len(problems) == 2


def test_newsletter_numbers_must_be_whole_and_unique(build_site):
    problems = _problems(build_site, {
        "newsletter/a.md": ISSUE.format(number=3),
        "newsletter/b.md": ISSUE.format(number=3),
        "newsletter/c.md": ISSUE.format(number="trois"),
        "newsletter/d.md": "Title: Sans numéro\nDate: 2026-10-01\n\nTexte.\n",
    })
    assert "content/newsletter/b.md:3 : le numéro 3 est déjà celui de content/newsletter/a.md" in problems
    assert any(p.startswith("content/newsletter/c.md:3 : « Issue: trois »") for p in problems)
    assert "content/newsletter/d.md : métadonnée obligatoire manquante : « Issue: »" in problems


def test_a_failed_build_leaves_the_previous_site_whole(build_site):
    site = build_site(basic_site())
    before = sorted(p.relative_to(site.output) for p in site.all_files())
    with pytest.raises(BuildError):
        build_site({"articles/casse.md": "Title: Cassé\nDate: jamais\n\nTexte.\n"})
    after = sorted(p.relative_to(site.output) for p in site.all_files())
    assert after == before
    assert not [p for p in site.root.iterdir() if p.name.startswith(".output")]


def test_pelican_errors_during_the_build_fail_it(build_site):
    # Two articles that would write the same page: Pelican raises, we report.
    files = basic_site()
    files["articles/doublon.md"] = files["articles/avenir.md"].replace("2026-11-22", "2026-11-21")
    with pytest.raises(BuildError) as caught:
        build_site(files)
    assert str(caught.value).startswith(
        "content/articles/doublon.md : l’adresse « l-avenir-est-au-marketing-des-communautes/ » "
        "est déjà celle de content/articles/avenir.md"
    )


def test_unknown_keys_can_be_allowed_in_settings(build_site):
    source = "Title: Un titre\nDate: 2026-11-22\nHumeur: joyeuse\n\nTexte.\n"
    site = build_site({"articles/x.md": source}, EXTRA_METADATA_KEYS=["Humeur"])
    assert site.file("un-titre/index.html").exists()


def test_a_file_not_in_utf8_is_named(build_site, tmp_path):
    latin1 = tmp_path / "content" / "articles" / "latin1.md"
    latin1.parent.mkdir(parents=True)
    latin1.write_bytes("Title: Écoute\nDate: 2026-11-22\n\nTexte accentué.\n".encode("latin-1"))
    problems = _problems(build_site, {"articles/ok.md": GOOD})
    assert problems[0].startswith("content/articles/latin1.md\u00a0: le fichier n’est pas en UTF-8"), problems
    assert len(problems) == 1  # no follow-on noise about a missing title


def test_a_link_to_a_missing_file_fails_with_its_file_and_line(build_site):
    linked = "Title: Lié\nDate: 2026-11-22\n\nTexte.\n\nVoir [l’autre]({filename}/articles/absent.md) et ![x]({static}/images/absente.png).\n"
    problems = _problems(build_site, {"articles/ok.md": GOOD, "articles/lie.md": linked})
    tail = " (un chemin part du dossier du texte, ou de content/ s’il commence par /)"
    assert problems == [
        "content/articles/lie.md:6\u00a0: lien «\u202f{filename}/articles/absent.md\u202f»\u00a0: aucun texte à "
        "content/articles/absent.md" + tail,
        "content/articles/lie.md:6\u00a0: lien «\u202f{static}/images/absente.png\u202f»\u00a0: aucun fichier à "
        "content/images/absente.png" + tail]
    # Relative to the text's folder, as Pelican reads it: « images/x.png » from articles/ is articles/images/x.png.
    relative = "Title: Relatif\nDate: 2026-11-22\n\n![x]({static}images/absente.png)\n"
    assert [p for p in _problems(build_site, {"articles/relatif.md": relative}) if "relatif" in p] == [
        "content/articles/relatif.md:4\u00a0: lien «\u202f{static}images/absente.png\u202f»\u00a0: aucun fichier à "
        "content/articles/images/absente.png" + tail]


def test_a_link_that_resolves_is_replaced_by_the_address(build_site):
    linked = "Title: Lié\nDate: 2026-11-22\n\nVoir [l’autre]({filename}ok.md).\n"
    site = build_site({"articles/ok.md": GOOD, "articles/lie.md": linked})
    assert '<a href="http://localhost:8000/un-titre/">l’autre</a>' in site.text("lie/index.html")
    assert not site.result.warnings


RST = "Un titre en reST\n################\n\n:date: 2026-11-22 08:30\n:category: Essais\n{extra}\nLe texte.\n"


def test_rest_sources_get_the_same_metadata_checks(build_site):
    problems = _problems(build_site, {
        "articles/ok.md": GOOD,
        "articles/inconnue.rst": RST.format(extra=":catgory: Écoute\n"),
        "articles/date.rst": RST.replace("2026-11-22 08:30", "32/13/2026").format(extra=""),
        "articles/sans-titre.rst": ":date: 2026-11-22\n\nLe texte.\n",
    })
    N, B = "\u202f", "\u00a0"
    assert sorted(problems) == sorted([
        f"content/articles/inconnue.rst:6{B}: clé de métadonnées inconnue «{N}catgory{N}»{N}; vouliez-vous dire "
        f"«{N}Category{N}»{N}?",
        f"content/articles/date.rst:4{B}: date illisible «{N}32/13/2026{N}» (format attendu{B}: 2026-11-22 ou "
        "2026-11-22 08:30)",
        f"content/articles/sans-titre.rst{B}: métadonnée obligatoire manquante{B}: «{N}Title:{N}»",
    ])


def test_a_draft_needs_no_date_and_a_file_name_may_give_it(build_site):
    site = build_site({**{"articles/ok.md": GOOD},
                       "articles/brouillon.md": "Title: En cours\nStatus: draft\n\nÀ écrire.\n",
                       "articles/brouillon.rst": "En cours aussi\n##############\n\n:status: draft\n\nÀ écrire.\n",
                       "articles/2026-11-20-date-du-nom.rst": "Daté par son nom\n################\n\nTexte.\n"})
    assert site.result.articles == 2 and site.result.drafts == 2
    assert "20 novembre 2026" in site.text("date-par-son-nom/index.html")

"""French alphabetical order: accents and capitals sort as a French reader expects."""

import pyuca
from hypothesis import given, settings, strategies as st

from longform import french_key, sort_fr
from sample import basic_site

UCA = pyuca.Collator()  # the Unicode Collation Algorithm's full default table: the reference
FRENCH_LETTERS = "abcdeéèêëfghiîïjklmnoôpqrstuùûüvwxyÿzçœæ"
WORDS = st.text(alphabet=FRENCH_LETTERS + FRENCH_LETTERS.upper() + "  -’'0123456789", min_size=0, max_size=12)


def test_accented_and_capitalised_names_sort_as_in_a_french_dictionary():
    names = ["veille", "Écoute", "événements", "écoute", "Fidélité", "zèbre", "Éthique", "Œuvre", "eau",
             "avenir", "Avenir", "côté", "cote", "côte", "coté", "ça", "cadre"]
    assert sorted(names, key=french_key) == [
        "avenir", "Avenir", "ça", "cadre", "cote", "coté", "côte", "côté", "eau", "écoute", "Écoute", "Éthique",
        "événements", "Fidélité", "Œuvre", "veille", "zèbre"]


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=8, unique=True))
def test_the_order_is_the_unicode_collation_algorithm_s(words):
    ours = sorted(words, key=french_key)
    reference = sorted(words, key=UCA.sort_key)
    # Where the reference sees two words as equal (a ligature and its letters), either order is right.
    assert [UCA.sort_key(w) for w in ours] == [UCA.sort_key(w) for w in reference], (ours, reference)


def test_the_filter_sorts_pairs_by_an_attribute_path():
    class Tag:
        def __init__(self, name):
            self.name = name

    pairs = [(Tag("veille"), 1), (Tag("écoute"), 2), (Tag("Événements"), 3)]
    assert [t.name for t, _ in sort_fr(pairs, attribute="0.name")] == ["écoute", "Événements", "veille"]
    assert [t.name for t, _ in sort_fr(pairs, attribute="0.name", reverse=True)] == ["veille", "Événements",
                                                                                     "écoute"]


def test_the_tags_and_categories_pages_list_in_french_order(build_site):
    files = basic_site()
    files["articles/accents.md"] = ("Title: Des accents\nDate: 2026-11-02\nCategory: Écoute\n"
                                    "Tags: veille, événements, écoute, Zèbre\n\nTexte.\n")
    site = build_site(files)
    tags = [a.get_text(strip=True) for a in site.soup("etiquettes/index.html").select("main li a")]
    assert tags == sorted(tags, key=UCA.sort_key) and tags.index("écoute") < tags.index("veille"), tags
    categories = [a.get_text(strip=True) for a in site.soup("rubriques/index.html").select("main li a")]
    assert categories == sorted(categories, key=UCA.sort_key) and "Écoute" in categories, categories

"""French typography rules, on text and on HTML fragments."""

import pytest
from hypothesis import given, settings, strategies as st

from french_typography import fix_html, fix_text

N = "\u202f"  # narrow no-break space
B = "\u00a0"  # no-break space


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Vraiment?", f"Vraiment{N}?"),
        ("Vraiment ?", f"Vraiment{N}?"),
        ("Quoi ?!", f"Quoi{N}?!"),
        ("Oui ; non", f"Oui{N}; non"),
        ("Allez!", f"Allez{N}!"),
        ("Note: la suite", f"Note{B}: la suite"),
        ("Note : la suite", f"Note{B}: la suite"),
        ("« Bonjour »", f"«{N}Bonjour{N}»"),
        ("«Bonjour»", f"«{N}Bonjour{N}»"),
        ('il a dit "non".', f"il a dit «{N}non{N}»."),
        ("l'avenir, aujourd'hui", "l’avenir, aujourd’hui"),
        ("Et puis...", "Et puis…"),
        ("12000 lecteurs", f"12{N}000 lecteurs"),
        ("de 15000 à 120000 euros", f"de 15{N}000 à 120{N}000 euros"),
        ("1 200 abonnés", f"1{N}200 abonnés"),
        ("1000000 de vues", f"1{N}000{N}000 de vues"),
        ("30 %", f"30{N}%"),
    ],
)
def test_rules(raw, expected):
    assert fix_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "en 2026 les marques",  # a year
        # One rule for four digits, whatever the words around: never grouped (years look the same).
        "rencontres de 1500 participants",
        "de 1500 à 2000 euros",
        "1200 abonnés",
        "novembre 2026",
        "44000 Nantes",  # a postal code
        "0612345678",  # a phone number
        "ISO 8601 définit",
        "à 18:30 précises",  # a time
        "3,5 millions",
        "https://exemple.fr/?a=1&b=2",
        "écrire à claire@nenufar.example",
        "voir exemple.fr/page?x=1",
        "un écran de 27\" et 15\" aussi",
    ],
)
def test_leaves_alone(text):
    assert fix_text(text) == text


def test_code_pre_kbd_attributes_and_comments_untouched():
    html = (
        '<p title="Vraiment?">Texte <code>a ? b : c</code> et <kbd>Ctrl+S</kbd>!</p>'
        '<pre><code>if x: print("l\'ami ?")</code></pre>'
        "<!-- tier: abonnes -->"
        '<p><a href="https://exemple.fr/?q=1">lien</a> !</p>'
    )
    out = fix_html(html)
    assert 'title="Vraiment?"' in out
    assert "<code>a ? b : c</code>" in out
    assert '<pre><code>if x: print("l\'ami ?")</code></pre>' in out
    assert "<!-- tier: abonnes -->" in out
    assert 'href="https://exemple.fr/?q=1"' in out
    assert f"<kbd>Ctrl+S</kbd>{N}!" in out
    assert f"</a>{N}!" in out


def test_rules_apply_across_inline_tags():
    assert fix_html("<em>mot</em>!") == f"<em>mot</em>{N}!"
    assert fix_html("<strong>Note:</strong> texte") == f"<strong>Note{B}:</strong> texte"


def test_entities_survive():
    assert fix_html("<p>R&amp;D ?</p>") == f"<p>R&amp;D{N}?</p>"
    assert fix_html("<p>a &lt; b</p>") == "<p>a &lt; b</p>"


def test_already_correct_text_is_byte_identical():
    correct = f"<p>L’avenir{N}? «{N}Oui{N}», dit-elle{B}: 12{N}000 abonnés… Entités&nbsp;: &amp;</p>"
    assert fix_html(correct) == correct


TEXT = st.text(
    alphabet=st.sampled_from(list("abcé AZ0123456789'\".,;:!?«»…-%€") + [N, B, "\n"]),
    max_size=80,
)
MARKUP = st.lists(
    st.one_of(TEXT, st.sampled_from(["<em>", "</em>", "<code>", "</code>", "<br>", '<a href="x?y=1">'])),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKUP)
def test_idempotent(fragment):
    once = fix_html(fragment)
    assert fix_html(once) == once


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_code_content_is_never_changed(text):
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    fragment = f"<pre><code>{escaped}</code></pre>"
    assert fix_html(fragment) == fragment


def test_quotes_hidden_behind_inner_quotes_are_paired_in_one_pass():
    """Found by Hypothesis: the outer pair only appears once the inner one is typeset."""
    once = fix_text('"."0"."')
    assert once == "«\u202f.«\u202f0\u202f».\u202f»"
    assert fix_text(once) == once


def test_a_number_after_a_lone_digit_stays_apart_once_typeset():
    """Found by Hypothesis: "1 100000…" must not merge into one number on a second pass."""
    once = fix_text("1 100000000000000000000000000000")
    assert once == "1 " + "100\u202f" + "\u202f".join(["000"] * 9)
    assert fix_text(once) == once


def test_a_colon_after_an_inline_tag_sees_the_typeset_text_before_it():
    """Found by Hypothesis: the context across a tag is the text as typeset (« … »), not as typed."""
    once = fix_html("...<em>:")
    assert fix_html(once) == once


def test_rest_texts_are_typeset_like_markdown(build_site):
    site = build_site({"articles/texte.rst": "Vraiment?\n#########\n\n:date: 2026-11-22\n:summary: Un résumé: court!\n\n"
                                             "L'avenir... 12000 lecteurs; pas \"moins\"!\n"})
    page = site.text("vraiment/index.html")
    assert f"Vraiment{N}?</h1>" in page
    assert f"L’avenir… 12{N}000 lecteurs{N}; pas «{N}moins{N}»{N}!" in page
    assert f"Un résumé{B}: court{N}!" in site.text("index.html")

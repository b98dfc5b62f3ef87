"""The plain-Markdown fast path (tiers.plain) writes what Python-Markdown writes.

The property: for any text, the fast path either declines (None) or gives
Python-Markdown's HTML byte for byte, the same header (Meta) and the same
notes. Texts are generated from Markdown's own syntax, hostile characters
included, so most of them must be declined and some taken; the demo, Pelican's
samples and the benchmark's corpus are compared whole. The reference is the
real Python-Markdown instance, configured as the site's reader configures it;
nothing here is computed by the code under test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from pelican.readers import MarkdownReader

from conftest import ROOT, python_markdown_only
from publishing.build import load_settings
from tiers import render
from tiers.plain import Plain

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def instance():
    """The site's Markdown configuration as Pelican's reader completes it."""
    settings = load_settings(str(ROOT / "pelicanconf.py"), {})
    MarkdownReader(settings)
    render._local.shared = None
    return render._shared(settings["MARKDOWN"])


def reference(shared, text: str):
    md = shared.ready(set())
    html = md.convert(text)
    return html, md.Meta, dict(shared.notes.footnotes)


def fast(shared, text: str):
    md = shared.ready(set())
    plain = Plain.of(md)
    assert plain is not None, "the shipped configuration must take the fast path"
    done = plain.convert(text)
    if done is None:
        return None
    return done[0], md.Meta, done[1]


def same_or_declined(shared, text: str) -> bool:
    """True if taken (and then identical); False if declined."""
    got = fast(shared, text)
    if currently_in_test_context():
        event("declined" if got is None else "taken")
    if got is None:
        return False
    assert got == reference(shared, text), text
    return True


WORDS = ["écoute", "Lecteur", "ŒUVRE", "cercle", "l’avenir", "a", "2026", "10 000", "x", "«\u202fvous\u202f»"]
PIECES = WORDS + [
    " ", " ", "  ", "\n", "\n", "\n\n", "\t", "\u00a0", "\u202f", "\u2028", "\x85", "\x0c", "\x00", "\r",
    "*", "**", "***", "_", "__", "`", "``", "```", "~~~", "\\", "<", ">", "&", "& ", "&amp;", "&#8617;",
    "[", "]", "(", ")", "[^1]", "[^2]", "[^n-b]", "[^1]: ", "[^2]: ", "[lien](https://exemple.fr/a?b=1&c=2)",
    "[lien]({filename}/x.md)", "[r]", "[r]: https://r.fr", "![i](a.png)", "![](b.png)", '![un "nom"](c_d.png)',
    "![", "!", "<b>", "<!-- tier: abonnes -->",
    "#", "## ", "###### ", "####### ", "- ", "+ ", "* ", "1. ", "01. ", "3. ", "> ", ">", "---", "* * *",
    "===", ": ", "|", "{", "}", "{: .c}", "{#id}", "*[HTML]: ", "[TOC]", "///Footnotes Go Here///",
    "Title: x", "Summary: y", "    ", "!", "?", "\u00a0:", "...", "^", '"', "'", "-->",
]

texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


# Documents built from the shapes the fast path takes, with their neighbours.
inline_piece = st.sampled_from(WORDS + ["*doux*", "**fort**", "![une image](/images/a_b.png)", "![](x.png)", "`code_x & y`", "[lien](https://e.fr/p_q?a=1&b=2)",
                                        "[^1]", "[^2]", "(entre)", "!", "?", "\u00a0:", "\u202f;", "...", "mot*em*",
                                        "*a* *b*", "& co", "a > b", "\n"])
line = st.lists(inline_piece, min_size=1, max_size=8).map(" ".join)
block = st.one_of(
    line,
    line.map(lambda t: "## " + t.replace("\n", " ")),
    line.map(lambda t: "# " + t.replace("\n", " ") + "\n" + t),
    st.lists(line.map(lambda t: "- " + t), min_size=1, max_size=4).map("\n".join),  # items may go on
    st.lists(line.map(lambda t: "1. " + t), min_size=1, max_size=4).map("\n".join),  # on a line of their own
    st.lists(line.map(lambda t: "> " + t.replace("\n", "\n> ")), min_size=1, max_size=3).map("\n>\n".join),
    st.sampled_from(["---", "* * *", "***", "[^1]: une note *douce*.", "[^2]: deux, [lien](https://e.fr).",
                     "[^1]: une.\n[^2]: deux.", "[^1]: une note_refusée.", "[^2]: une note[^1] dans une note."]),
)
documents = st.tuples(st.sampled_from(["", "Title: T\nSummary: s\n\n", "\n"]),
                      st.lists(block, min_size=1, max_size=8)).map(lambda t: t[0] + "\n\n".join(t[1]) + "\n")


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("a*\"b\"*c")
@example("## ?!\n\n## ?!\n\n## _1")
@example("Title: x\n\n")
@example("`écoute``écoute`")  # one code span for Python-Markdown, two for a careless reader
@example("*écoute**écoute*")  # one emphasis for Python-Markdown, two for a careless reader
def test_any_text_is_declined_or_converted_as_python_markdown_does(instance, text):
    same_or_declined(instance, text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
@example("- a\n\n- b\n")
@example("- un élément\nqui continue\n- un autre\n\n1. premier\n2026 fut une année\n2. second\n")
@example("*Doux* début, **fort** ensuite.\n\n**Fort** début\n- pas une liste\n")
@example("> a\n\n[^1]: n\n\n> b\n\nVoir[^1].\n")
@example("Voir[^2] et[^1].\n\n[^1]: un\n[^2]: deux\n")
@example("# T [^1]\n\n[^1]: n\n")
def test_documents_of_the_plain_shapes_are_converted_as_python_markdown_does(instance, text):
    same_or_declined(instance, text)


def test_plain_texts_take_the_fast_path(instance):
    """The path is worth having: the corpus's public texts and ordinary prose take it."""
    prose = ("Title: Une lettre\nDate: 2026-01-02\nSummary: Un *résumé*.\n\n"
             "Un premier paragraphe, avec de l’*emphase*, du **gras**, du `code_source` et un "
             "[lien](https://exemple.fr/?a=1&b=2)[^1].\nUne ligne de plus\u00a0: la suite\u202f!\n\n"
             "## Une partie\u00a0: écouter\n\n- un\n- deux *doux*\n\n1. premier\n2. second\n\n"
             "> Une citation.\n>\n> Sur deux paragraphes.\n\n---\n\n[^1]: Une note, [avec un lien]({filename}/a.md).\n")
    assert same_or_declined(instance, prose)
    assert fast(instance, prose)[0].count("<li>") == 4
    rng = generate.random.Random(3)
    taken = [same_or_declined(instance, generate.article(n, rng)) for n in range(1, 41)]
    assert all(taken)


def test_every_markdown_file_of_the_demo_is_declined_or_identical(instance):
    files = sorted((ROOT / "content").rglob("*.md"))
    taken = sum(same_or_declined(instance, f.read_text(encoding="utf-8")) for f in files)
    assert files and taken >= len(files) // 2


def test_the_benchmark_corpus_takes_the_fast_path_and_is_identical(instance, tmp_path):
    """The build benchmark's articles (generated as bench/build_bench.py does: long,
    one in ten tiered, whose later parts the tier split renders apart)."""
    generate.generate(200, tmp_path, gated_every=10, sections=9)
    files = sorted(tmp_path.rglob("*.md"))
    taken = [same_or_declined(instance, f.read_text(encoding="utf-8")) for f in files]
    untiered = [t for f, t in zip(files, taken) if "<!--" not in f.read_text(encoding="utf-8")]
    assert len(files) == 200 and all(untiered)


def test_pelican_samples_are_declined_or_identical(instance):
    import pelican

    samples = Path(pelican.__file__).parent / "tests" / "content"
    files = sorted(samples.rglob("*.md")) + sorted(samples.rglob("*.markdown")) + sorted(samples.rglob("*.mkd"))
    if not files:
        pytest.skip("Pelican's test content is not installed with the package")
    for f in files:
        same_or_declined(instance, f.read_text(encoding="utf-8"))


def test_another_configuration_never_takes_the_fast_path(monkeypatch):
    import markdown
    from markdown import Markdown

    shipped = Markdown(extensions=["extra", "meta", "toc", "sane_lists"],
                       extension_configs={"toc": {"permalink": "#"}}, output_format="html5")
    monkeypatch.setattr(markdown, "__version__", "3.12.0")  # a release it was not checked against
    assert Plain.of(shipped) is None
    monkeypatch.undo()

    assert Plain.of(Markdown(extensions=["extra", "meta", "toc", "sane_lists", "smarty"])) is None
    assert Plain.of(Markdown(extensions=["extra", "meta", "sane_lists"])) is None
    assert Plain.of(Markdown(extensions=["extra", "meta", "toc", "sane_lists"],
                             extension_configs={"toc": {"anchorlink": True, "permalink": "#"}})) is None
    assert Plain.of(Markdown(extensions=["extra", "meta", "toc", "sane_lists"],
                             extension_configs={"toc": {"permalink": "#"}}, output_format="html5")) is not None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, documents))
@example("Title: pas un en-tête ici\n\nUn *résumé*.")
@example("## Un titre dans un résumé")
@example("Un résumé[^1].\n\n[^1]: sa note.")
def test_a_summary_is_declined_or_converted_as_pelican_converts_it(instance, text):
    """Pelican converts the Summary: with the header preprocessor taken out, and
    the fast path declines a field with notes (their numbers belong to the body)."""
    from tiers.render import _FieldMarkdown

    def as_pelican_leaves_it():
        md = instance.ready(set())  # heading ids start afresh for each conversion
        md.preprocessors.deregister("meta")
        md.reset()
        return md

    want = as_pelican_leaves_it().convert(text)
    assert _FieldMarkdown(as_pelican_leaves_it(), instance.plain).convert(text) == want
    as_pelican_leaves_it()
    done = instance.plain.convert(text, notes=False)
    assert done is None or ("fnref" not in done[0] and done[0] == want)


LADDER_TIERS = {"TIERS": [
    {"id": "public", "label": "Tout le monde"},
    {"id": "abonnes", "label": "Abonnés", "promise": "La suite.", "url": "s-abonner/"},
    {"id": "cercle", "label": "Cercle", "promise": "Le fond.", "url": "cercle/"},
]}
parted = st.tuples(documents, documents, documents, st.booleans()).map(
    lambda t: t[0] + "\n<!-- tier: abonnes -->\n\n" + t[1] + ("\n<!-- tier: cercle -->\n\n" + t[2] if t[3] else ""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parted)
@example("Un[^1].\n\n[^1]: un.\n\n<!-- tier: abonnes -->\n\n## Suite\n\nDeux[^2].\n\n[^2]: deux.\n")
@example("## Titre\n\n<!-- tier: abonnes -->\n\n## Titre\n\nSuite[^a].\n\n[^a]: note.\n")
@example("## Titre\n\nTexte[^1].\n\n[^1]: une note_refusée.\n")  # declined late: the heading's id stays free
def test_tier_parts_render_as_with_python_markdown_alone(instance, text):
    """Each part, its notes numbered and prefixed across parts, its heading ids
    unique across parts: the same with the fast path as without it."""
    from tiers import load_ladder
    from tiers.render import render_parts
    from tiers.split import TierError, cut

    ladder = load_ladder(LADDER_TIERS)
    prefixes = {"abonnes": "abonnes-", "cercle": "cercle-"}
    config = instance.config

    def rendered():
        try:
            done = render_parts(cut(text, ladder, None), config, prefixes)
        except TierError as error:
            return str(error)
        return [(r.html, r.meta, r.own) for r in done]

    render._local.shared = None
    fast_parts = rendered()
    with python_markdown_only():
        assert rendered() == fast_parts

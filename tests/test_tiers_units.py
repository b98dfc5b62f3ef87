"""The tier split as units, without a site: cutting a source (tiers.split.cut),
rendering its parts (tiers.render.render_parts), and the TierSplit they make."""

from __future__ import annotations

import pytest

from tiers import Part, TierSplit, load_ladder
from tiers.render import render_parts
from tiers.split import SourcePart, TierError, cut

LADDER = load_ladder({"TIERS": [
    {"id": "public", "label": "Tout le monde"},
    {"id": "abonnes", "label": "Abonnés", "promise": "La suite.", "url": "s-abonner/"},
    {"id": "cercle", "label": "Le Cercle", "promise": "Tout.", "url": "cercle/"},
]})
MARKDOWN = {"extensions": ["markdown.extensions.extra"], "extension_configs": {"markdown.extensions.extra": {}},
            "output_format": "html5"}
PREFIXES = {"abonnes": "abonnes-", "cercle": "cercle-"}


def test_a_source_without_dividers_is_one_public_part():
    assert cut("Title: T\n\nTexte.\n", LADDER, None) == [SourcePart("public", "Title: T\n\nTexte.\n", 1)]


def test_dividers_cut_the_source_and_each_part_knows_its_first_line():
    text = ("Title: T\n\nA public.\n\n<!-- tier: abonnes -->\n\nB.\n\n<!-- tier: abonnes -->\n\n"
            "```\n<!-- tier: cercle -->\n```\n\n<!-- tier: cercle -->\n\nC.\n")
    assert cut(text, LADDER, None) == [
        SourcePart("public", "Title: T\n\nA public.\n", 1),
        # the same tier again: its divider line goes; a divider in code is text
        SourcePart("abonnes", "\nB.\n\n\n\n```\n<!-- tier: cercle -->\n```\n", 6),
        SourcePart("cercle", "\nC.\n", 16),
    ]


def test_the_tier_header_starts_the_text_deeper():
    assert cut("Title: T\nTier: cercle\n\nTout.\n", LADDER, "cercle", 2) == [
        SourcePart("cercle", "Title: T\nTier: cercle\n\nTout.\n", 1)]


@pytest.mark.parametrize("text, start, line, message, at", [
    ("Title: T\nTier: vip\n\nx\n", "vip", 2, "palier inconnu « vip » (paliers : public, abonnes, cercle)", 2),
    ("T\n\n<!-- tier: vip -->\n", None, None,
     "séparateur vers un palier inconnu « vip » (paliers : public, abonnes, cercle)", 3),
    ("T\n\n<!-- tier: cercle -->\n\nx\n\n<!-- tier: abonnes -->\n\ny\n", None, None,
     "la profondeur ne peut que croître : « abonnes » après « cercle »", 7),
])
def test_wrong_dividers_are_refused_with_their_line(text, start, line, message, at):
    with pytest.raises(TierError) as refused:
        cut(text, LADDER, start, line)
    assert (str(refused.value), refused.value.line) == (message, at)


def test_each_part_is_rendered_alone_with_the_shallower_definitions():
    parts = cut("[r]: https://x.exemple/\n*[ONG]: organisation non gouvernementale\n\nA[^1] [lien][r], une ONG.\n\n"
                "[^1]: une.\n\n<!-- tier: abonnes -->\n\nB[^2] [autre][r], une ONG.\n\n[^2]: deux.\n", LADDER, None)
    rendered = render_parts(parts, MARKDOWN, PREFIXES)
    assert [r.part for r in rendered] == parts
    back = "&#160;<a class=\"footnote-backref\" href=\"#fnref:{0}\" title=\"Jump back to footnote {1} in the text\">&#8617;</a>"
    assert rendered[0].html == (
        '<p>A<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup> <a href="https://x.exemple/">lien</a>, '
        'une <abbr title="organisation non gouvernementale">ONG</abbr>.</p>\n<div class="footnote">\n<hr>\n<ol>\n'
        f'<li id="fn:1">\n<p>une.{back.format("1", 1)}</p>\n</li>\n</ol>\n</div>')
    # The deeper part numbers its notes after the public ones, with ids of its own.
    assert rendered[1].html == (
        '<p>B<sup id="fnref:abonnes-2"><a class="footnote-ref" href="#fn:abonnes-2">2</a></sup> '
        '<a href="https://x.exemple/">autre</a>, une <abbr title="organisation non gouvernementale">ONG</abbr>.</p>\n'
        '<div class="footnote">\n<hr>\n<ol start="2">\n'
        f'<li id="fn:abonnes-2">\n<p>deux.{back.format("abonnes-2", 2)}</p>\n</li>\n</ol>\n</div>')


def test_a_shallower_part_never_uses_a_deeper_definition():
    parts = cut("A[^1].\n\n<!-- tier: abonnes -->\n\nB.\n\n[^1]: une.\n", LADDER, None)
    with pytest.raises(TierError) as refused:
        render_parts(parts, MARKDOWN, PREFIXES)
    assert refused.value.line == 1
    assert str(refused.value).startswith("« [^1] » est utilisé avant le séparateur du palier « abonnes », "
                                         "mais n’est défini qu’après (ligne 7)")


def test_the_split_keeps_the_parts_in_order_and_gives_each_reader_its_depth():
    split = TierSplit("public", (Part("public", "<p>A</p>", 1), Part("abonnes", "<p>B b</p>", 2),
                                 Part("cercle", "<p>C c c</p>", 3)))
    assert split.public_html == "<p>A</p>"
    assert split.gated == split.parts[1:] and split.withheld_words == 5
    assert [split.up_to(LADDER, t.id) for t in LADDER.tiers] == [
        "<p>A</p>", "<p>A</p><p>B b</p>", "<p>A</p><p>B b</p><p>C c c</p>"]
    assert split.map_html(str.upper) == TierSplit("public", (Part("public", "<P>A</P>", 1), Part("abonnes", "<P>B B</P>", 2),
                                                             Part("cercle", "<P>C C C</P>", 3)))


def test_notes_of_every_part_are_gathered_at_the_end():
    from tiers import notes_last

    public = '<p>Un<sup>1</sup>.</p>\n<div class="footnote">\n<hr />\n<ol>\n<li id="fn:a">A</li>\n</ol>\n</div>'
    reserved = ('<p>Deux<sup>2</sup>.</p>\n<div class="footnote">\n<hr />\n<ol start="2">\n<li id="fn:abonnes-b">'
                '<ol><li>liste dans la note</li></ol></li>\n</ol>\n</div>\n')
    joined = notes_last([public, reserved])
    assert joined.count('<div class="footnote">') == 1 and joined.count("<hr />") == 1
    assert joined.index("Deux") < joined.index('id="fn:a"') < joined.index('<ol start="2">')
    assert "liste dans la note" in joined
    # Notes the author placed elsewhere (not ending the part) stay where she put them.
    placed = '<div class="footnote"><ol><li>A</li></ol></div>\n<p>Après les notes.</p>'
    assert notes_last([placed, reserved]) == placed + reserved

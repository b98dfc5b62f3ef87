"""The tier renderer reuses one Markdown instance (tiers.render._Shared): what
it renders, and what Pelican's reader converts with it (the summary), is
byte for byte what a fresh instance per part gave, whatever was read before."""

from __future__ import annotations

import pytest
from pelican import Pelican
from pelican.readers import Readers

from conftest import site_settings, write_content
from tiers import load_ladder
from tiers import render
from tiers.render import markdown_for_metadata, render_parts
from tiers.split import cut

LADDER = load_ladder({"TIERS": [
    {"id": "public", "label": "Tout le monde"},
    {"id": "abonnes", "label": "Abonnés", "promise": "La suite.", "url": "s-abonner/"},
]})
PREFIXES = {"abonnes": "abonnes-"}


def config(unique_ids: bool) -> dict:
    return {"extensions": ["markdown.extensions.extra", "markdown.extensions.meta", "markdown.extensions.toc",
                           "markdown.extensions.sane_lists"],
            "extension_configs": {"markdown.extensions.extra": {"footnotes": {"UNIQUE_IDS": unique_ids}},
                                  "markdown.extensions.meta": {},
                                  "markdown.extensions.toc": {"permalink": "#"}},
            "output_format": "html5"}


# Every state a conversion leaves in an instance: references, abbreviations,
# footnotes, heading ids, the HTML stash, Meta.
FIRST = ("Title: Premier\nSummary: Un résumé[^s] sur l’ONG.\n\n## Titre\n\n[r]: https://un.exemple/\n"
         "*[ONG]: organisation\n\nUne ONG[^1], [lien][r].\n\n<div markdown=\"1\">*bloc*</div>\n\n[^1]: une.\n\n"
         "<!-- tier: abonnes -->\n\n## Titre\n\nSuite[^2] ONG.\n\n[^2]: deux.\n")
SECOND = ("Title: Second\n\n## Titre\n\nPas de sigle ONG, pas de [lien][r], une note[^1].\n\n[^1]: autre.\n\n"
          "<div markdown=\"1\">_autre bloc_</div>\n")


def rendered(text: str, markdown: dict):
    parts = cut(text, LADDER, None)
    done = render_parts(parts, markdown, PREFIXES)
    md = markdown_for_metadata(done[0])
    md.preprocessors.deregister("meta")  # as Pelican's reader does before the summary
    md.reset()
    summary = md.convert("\n".join(done[0].meta.get("summary", [])))
    return [r.html for r in done], done[0].meta, summary


def fresh(text: str, markdown: dict):
    render._local.shared = None
    return rendered(text, markdown)


@pytest.mark.parametrize("unique_ids", [False, True])
def test_a_reused_instance_renders_as_a_fresh_one(unique_ids):
    markdown = config(unique_ids)
    expected = {name: fresh(text, markdown) for name, text in (("first", FIRST), ("second", SECOND))}
    assert expected["first"][1]["title"] == ["Premier"] and expected["second"][1]["title"] == ["Second"]
    render._local.shared = None
    for name in ("first", "second", "first", "first", "second"):
        assert rendered(FIRST if name == "first" else SECOND, markdown) == expected[name]


def test_a_changed_configuration_gets_its_own_instance():
    markdown = config(False)
    before = rendered(SECOND, markdown)
    markdown["extension_configs"]["markdown.extensions.toc"]["permalink"] = False
    after = rendered(SECOND, markdown)
    assert before != after and after == fresh(SECOND, markdown)


def test_the_reader_gives_each_file_its_own_metadata_and_summary(tmp_path):
    content = tmp_path / "content"
    write_content(content, {"articles/a.md": FIRST.replace("Title:", "Date: 2026-01-02\nTitle:"),
                            "articles/b.md": SECOND.replace("Title:", "Date: 2026-01-03\nTitle:")})
    settings = Pelican(site_settings(tmp_path, content)).settings
    reader = Readers(settings).readers["md"]
    a, b = (str(content / "articles" / name) for name in ("a.md", "b.md"))
    render._local.shared = None
    once = [reader.read(path) for path in (a, b)]
    again = [reader.read(path) for path in (b, a, a)]
    assert again == [once[1], once[0], once[0]]
    assert once[0][1]["title"] == "Premier" and once[1][1]["title"] == "Second"
    assert once[0][1]["summary"] == "<p>Un résumé[^s] sur l’ONG.</p>"  # reset: no abbreviation
    assert "summary" not in once[1][1]


def test_an_instance_whose_conversion_failed_is_not_reused():
    from markdown.treeprocessors import Treeprocessor

    class Failing(Treeprocessor):
        def run(self, root):
            raise RuntimeError("extension bug")

    markdown = config(False)
    expected = fresh(SECOND, markdown)
    md = render._shared(markdown).md
    md.treeprocessors.register(Failing(md), "failing", 100)
    with pytest.raises(RuntimeError):
        render_parts(cut(FIRST, LADDER, None), markdown, PREFIXES)
    assert render._shared(markdown).md is not md
    assert rendered(SECOND, markdown) == expected

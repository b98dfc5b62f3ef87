"""The live search index against Pagefind's own command, on generated sequences of
edits, additions and removals of pages, with any text in them.

The guard does not trust the live index's bookkeeping: after each step, Pagefind's
binary indexes the same folder from nothing, and the two bundles are compared.
- Each page's record (its fragment, named after its bytes) is the same set in both:
  no record of a page that is gone or was replaced, none missing.
- No file is left that the new index does not use.
- While pages are only edited, the bundle is byte for byte the command's. A page
  added or removed changes the order of the records in the service, so the index
  chunks and metadata then differ in order alone (the fragments, the same).
- Only the pages whose bytes changed are given to Pagefind again, unless the count
  of parts changes (a large site's index in parts, PAGEFIND_PART_PAGES: drawn small
  here, so that additions and removals cross it): then every page is.
- A page whose neighbours' links alone changed (their titles, in the pager: Pagefind
  does not read the text of a <nav>) is not given again; the comparison with the
  command shows whether its record was truly the same. The pager drawn here may also
  hold markup that Pagefind reads (a filter, metadata), and half the pages have it
  inside their body.
Each change is followed by an update in place (livereload's quick path) or by a full
build's: a copy of the site staged (pages linked, as build.py does), its bundle written
there from the bundle in place, then swapped in; or by a full build that fails: its
bundle is written, then thrown away with the staged copy, and the change waits for
the next step's update (the service already holds it, the bundle in place does not).
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search import parts
from search.index import EXCLUDED, index_site
from search.live import BUNDLE, LiveIndex

WORDS = ["lettre", "abonnés", "cercle", "écoute", "nénuphar", "étang", "lecture", "communauté", "hiver",
         "rassemblement", "confiance", "profondeur", "conversation", "geste", "été"]
text = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join),
    st.text(min_size=1, max_size=200),  # anything: control characters, markup, other scripts
)
# A neighbour's title in the pager: text as a template escapes it, or markup as a title
# Pelican leaves unescaped may hold (Pagefind reads a filter or metadata anywhere).
pager = st.one_of(text.map(html.escape), st.sampled_from([
    '<span data-pagefind-filter="auteur">Claire</span>', 'Un <em>titre</em>', '<h1>Un autre titre</h1>',
    '<img src="/voisin.png" alt="voisin">', '</a></nav><span data-pagefind-meta="image:/x.png"></span>',
]))
step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 50), text),
    st.tuples(st.just("pager"), st.integers(0, 50), pager),
    st.tuples(st.just("add"), st.integers(0, 50), text),
    st.tuples(st.just("remove"), st.integers(0, 50), st.none()),
    st.tuples(st.just("touch"), st.integers(0, 50), st.none()),  # the same bytes, a new file
    st.tuples(st.just("none"), st.integers(0, 50), st.none()),
)
# Each step's change is then followed by livereload's update in place (the quick path's),
# by a full build's (a staged copy of the site, its bundle written there, swapped in),
# or by a full build's that fails (the same, thrown away).
steps_with_mode = st.lists(st.tuples(step, st.sampled_from(["quick", "build", "failed"])), min_size=1, max_size=8)


def page(title: str, body: str, neighbour: str = "Voisin") -> str:
    """A page as the theme writes an article: its body, then the pager (the links to its
    neighbours, by their titles, `neighbour` as is). A page whose name ends with an odd
    digit has its pager inside its body (a theme of one's own)."""
    pager = (f'<nav class="pager" aria-label="Articles voisins">\n<a href="/voisin/" rel="prev">{neighbour}</a>'
             f'<span></span></nav>')
    inside = title[-1:] in "13579"
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body><nav>Menu</nav><main data-pagefind-body><h1>{html.escape(title)}'
            f'<a class="headerlink" href="#">#</a></h1><p>{html.escape(body)}</p>{pager if inside else ""}</main>'
            f'{"" if inside else pager}</body></html>')


def bundle_files(folder: Path) -> dict[str, bytes]:
    root = folder / BUNDLE
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=steps_with_mode, part_pages=st.sampled_from([None, 1, 2, 3]))
# A page added then removed, each time by a full build: the bundle in place was written
# from pages that are back as they were, but not the bundle there now.
@example(steps=[(("add", 0, "mot"), "build"), (("remove", 0, None), "build")], part_pages=None)
@example(steps=[(("add", 0, "mot"), "build"), (("remove", 0, None), "build")], part_pages=2)
# An edit in one part: the others are copied from the bundle in place.
@example(steps=[(("edit", 1, "mot"), "quick"), (("edit", 2, "lettre"), "build")], part_pages=1)
# A part written by a build that failed: the bundle in place is not the one the service
# last wrote for it, though its pages did not change since.
@example(steps=[(("edit", 1, "mot"), "failed"), (("edit", 2, "lettre"), "build")], part_pages=1)
@example(steps=[(("edit", 1, "mot"), "failed"), (("edit", 1, "mot"), "quick")], part_pages=None)
# A neighbour's new title: the page is not given again (its record is the same); a filter
# in the pager: it is.
@example(steps=[(("pager", 0, "Un titre tout neuf"), "quick")], part_pages=2)
@example(steps=[(("pager", 1, "Un titre tout neuf"), "quick")], part_pages=2)  # its pager inside its body
@example(steps=[(("pager", 1, '<span data-pagefind-filter="auteur">Claire</span>'), "quick")], part_pages=None)
def test_the_live_index_holds_what_pagefinds_command_makes_of_the_same_pages(tmp_path_factory, steps, part_pages):
    root = tmp_path_factory.mktemp("live-index")
    site = root / "site"
    for number in range(4):
        path = site / f"texte-{number}" / "index.html"
        path.parent.mkdir(parents=True)
        path.write_text(page(f"Texte {number}", " ".join(WORDS[number:number + 6])), encoding="utf-8")
    (site / "index.html").write_text("<!DOCTYPE html><html lang=\"fr\"><body>Accueil</body></html>", encoding="utf-8")
    index = LiveIndex({"exclude_selectors": EXCLUDED}, part_pages)
    try:
        index.update_in_place(site)
        only_edits = True
        for number, ((kind, which, words), mode) in enumerate(steps):
            pages = sorted(site.glob("*/index.html"))
            parts_before = parts.count([page.relative_to(site).as_posix() for page in pages], part_pages)
            target = pages[which % len(pages)] if pages else None
            before = target.read_bytes() if target else None
            if kind == "add" or target is None:
                path = site / f"ajout-{number}" / "index.html"
                path.parent.mkdir()
                path.write_text(page(f"Ajout {number}", words or "ajout"), encoding="utf-8")
                only_edits, changed = False, 1
            elif kind == "remove":
                shutil.rmtree(target.parent)
                only_edits, changed = False, 1
            elif kind == "touch":
                target.unlink()
                target.write_bytes(before)
                changed = 0
            elif kind == "none":
                changed = 0
            elif kind == "pager":
                old = target.read_text(encoding="utf-8")
                start = old.index('<a href="/voisin/" rel="prev">') + len('<a href="/voisin/" rel="prev">')
                end = old.index("</a><span></span></nav>", start)
                target.write_text(old[:start] + words + old[end:], encoding="utf-8")
                changed = None  # given again or not: the bundle must be the command's either way
            else:
                target.write_text(page(target.parent.name, words), encoding="utf-8")
                changed = int(target.read_bytes() != before)
            if mode != "quick":  # as build.py: pages linked into a staged folder, bundled there, swapped in
                staged = root / f"staged-{number}"
                shutil.copytree(site, staged, copy_function=os.link, ignore=shutil.ignore_patterns(BUNDLE))
                index.update(staged, staged / BUNDLE, previous=site / BUNDLE)
                if mode == "failed":
                    shutil.rmtree(staged)
                    continue  # the site's bundle is behind its pages until the next update
                site.rename(root / f"retired-{number}")
                staged.rename(site)
            else:
                index.update_in_place(site)
            bodies = [page.relative_to(site).as_posix() for page in site.glob("*/index.html")]
            if parts.count(bodies, part_pages) != parts_before:
                changed = len(list(site.rglob("*.html"))) - len(list((site / BUNDLE).rglob("*.html")))
            if changed is not None:
                assert index.updated == changed

            reference = root / f"reference-{number}"
            shutil.copytree(site, reference, ignore=shutil.ignore_patterns(BUNDLE))
            assert index_site(str(reference), part_pages) is None
            live, made = bundle_files(site), bundle_files(reference)
            assert live["parts.json"] == made["parts.json"]
            fragments = {name for name in live if "fragment/" in name}
            assert fragments == {name for name in made if "fragment/" in name}
            assert all(live[name] == made[name] for name in fragments)
            assert len(live) == len(made)  # nothing left over
            if only_edits:
                assert live == made
            shutil.rmtree(reference)
    finally:
        index.close()

"""Property: livereload's quick path never puts in place what the full build would not.

The small site of test_incremental_property goes through random edits (bodies,
summaries, titles, tiers, dividers, tags, series, statuses, comments, echoes,
deletions, new drafts of articles, pages and letters, moved addresses,
mistakes…). After each one, livereload's LiveSite is told which files changed:
when it takes the quick path, every page it put in place must be the very bytes
the full build then writes, every page it removed must stay removed, the full
build must change no other page (the quick path missed none: a title or a
summary is shown by neighbours, series, listings, letters), and after that
build the site must be the one a clean build makes. Listings show two cards a
page, so that an edit moves through pagination. When the edit holds a mistake,
no page is put in place and the full build fails."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from conftest import site_settings, tree
from publishing.build import BuildError, build
from publishing.quick import LiveSite
from test_incremental_property import EDITS, Model, first_difference, no_keys, sync_content


# What the quick path leaves to the full build that confirms it (publishing/quick.py).
CONFIRMED = {"sitemap.xml"}


def check_quick(edits) -> int:
    """The number of edits the quick path took."""
    root = Path(tempfile.mkdtemp(prefix="nenufar-quick-"))
    taken = 0
    try:
        with no_keys():
            model = Model.initial()
            content = root / "content"
            sync_content(content, model.files())
            live = LiveSite(site_settings(root / "live", content, LOAD_CONTENT_CACHE=True, PAGEFIND=False,
                                          DEFAULT_PAGINATION=2))
            live.build()
            output = Path(live.settings["OUTPUT_PATH"])
            done = []
            for number, edit in enumerate(edits):
                before = model.files()
                done.append(model.apply(*edit))
                after = model.files()
                changed = [content / name for name in sorted(set(before) | set(after))
                           if before.get(name) != after.get(name)]
                sync_content(content, after)
                site = tree(output)
                quick = live.quick(changed)
                if model.broken:
                    assert quick is None, f"after {done}: a mistake took the quick path"
                    assert tree(output) == site, f"after {done}: a mistake changed the site"
                    with pytest.raises(BuildError):
                        live.build()
                    continue
                written = {name: (output / name).read_bytes() for name in quick.pages} if quick else {}
                removed = set(quick.removed) if quick else set()
                assert not any((output / name).exists() for name in removed), f"after {done}: a page stayed"
                taken += bool(quick)
                live.build()
                for name, data in written.items():
                    assert (output / name).read_bytes() == data, f"after {done}: the full build disagrees on {name}"
                for name in removed:
                    assert not (output / name).exists(), f"after {done}: the full build wrote {name} again"
                if quick:
                    built = tree(output)
                    missed = {name for name in set(site) | set(built) if site.get(name) != built.get(name)}
                    missed -= set(written) | removed | CONFIRMED
                    assert not missed, f"after {done}: the quick path left {sorted(missed)} to the full build"
                clean = root / f"clean-{number}"  # the same settings (pelicanconf.py read once, as livereload does)
                build(dict(live.settings, OUTPUT_PATH=str(clean / "output"), CACHE_PATH=str(clean / "cache"),
                           PRIVATE_OUTPUT_PATH=str(clean / "private"), LOAD_CONTENT_CACHE=False))
                clean = clean / "output"
                difference = first_difference(output, clean)
                assert difference is None, f"after {done}:\n{difference}"
                shutil.rmtree(root / f"clean-{number}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return taken


def test_edits_take_the_quick_path():
    """The property below is only worth something if the quick path is taken: edits of
    the text, of what listings show of it (the first article's summary is its whole
    short text; a title; a `Summary:`), and those that move it in the lists (its tags,
    category, status or address; a new article, one deleted); not a comment's."""
    assert check_quick([("append", 1, 0), ("body", 1, 2), ("body", 2, 3)]) == 3
    assert check_quick([("append", 0, 0), ("title", 1, 0), ("summary", 3, 1), ("modified", 2, 1)]) == 4
    assert check_quick([("tags", 0, 2), ("category", 1, 0), ("status", 2, 0), ("add", 0, 0), ("slug", 2, 1),
                        ("delete", 2, 0)]) == 6
    assert check_quick([("comment", 0, 2)]) == 0


def test_drafts_come_and_go_by_the_quick_path():
    """A new draft (as `invoke new` writes it), its `Slug:` changed (its address moves),
    the file deleted; a draft page and a draft letter added, then removed: no other
    page shows a draft, so each adds or removes its own page only. Publishing one
    (its status) or moving a published article's address does not."""
    assert check_quick([("draft", 0, 0), ("body", 4, 1), ("slug", 4, 2), ("delete", 4, 0)]) == 4
    assert check_quick([("draft", 0, 1), ("draft", 0, 2), ("draft", 1, 3), ("draft", 0, 3)]) == 4


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS)
@example([("body", 0, 1), ("title", 0, 2), ("body", 0, 3)])
@example([("broken", 1, 0), ("body", 1, 0)])
@example([("divider", 0, 1), ("body", 0, 2)])
@example([("summary", 1, 0)])  # Pelican's resolved _summary was carried over: the old summary shown
@example([("comment", 1, 2), ("title", 1, 1)])  # two texts as commented: a title reordered « Les plus commentés »
@example([("title", 0, 1), ("append", 2, 0), ("summary", 1, 3)])  # neighbours, series, listings' pages
@example([("draft", 0, 0), ("comment", 4, 2), ("slug", 4, 1), ("delete", 4, 0)])  # a draft's conversation
@example([("broken", 0, 0), ("body", 1, 2)])  # the build failed on a save that the next one does not undo
@example([("date", 2, 1), ("tags", 0, 3), ("add", 0, 0), ("delete", 1, 0)])  # moves: the lists made again
def test_the_quick_path_agrees_with_the_full_build(edits):
    check_quick(edits)

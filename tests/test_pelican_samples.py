"""A Pelican blog moves in: Pelican's own sample site (reST and Markdown,
translations, static files, {filename} links, hidden pages, drafts, template
pages), built with this project's settings, loses nothing that stock Pelican
publishes. The samples come from Pelican's source archive (invoke test fetches it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import site_settings
from publishing.build import BuildError, build
from toolchain import PELICAN_SAMPLES

# What the samples' pelican.conf.py says about their files, as a migrating author copies it.
MOVED_IN = {"STATIC_PATHS": ["pictures", "extra/robots.txt"],
            "EXTRA_PATH_METADATA": {"extra/robots.txt": {"path": "robots.txt"}},
            "TEMPLATE_PAGES": {"pages/jinja2_template.html": "jinja2_template.html"},
            "READERS": {"html": None}, "ARTICLE_PATHS": [""], "PAGE_PATHS": ["pages"],
            "EXTRA_METADATA_KEYS": ["license", "yeah"]}
BROKEN = ".. image:: |filename|/images/Fat_Cat.jpg"  # the samples' deliberate broken link


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    if not PELICAN_SAMPLES.exists():
        pytest.skip(f"{PELICAN_SAMPLES} is missing (invoke test downloads it from PyPI)")
    root = tmp_path_factory.mktemp("samples")
    shutil.copytree(PELICAN_SAMPLES / "content", root / "content")
    return root


def folded(text: str) -> str:
    """Letters and digits only, lower case, accents kept: typography (spaces,
    apostrophes, guillemets, ellipses) may differ, words may not."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


LISTINGS = "#featured, #posts-list"  # stock's listings (home, categories, tags): not a text of their own


def pages(output: Path, title_selector: str, body_selector: str, skip=None) -> dict[str, tuple[list[str], list[str]]]:
    """{folded title: (folded blocks of the text, image file names)} of every page with a text."""
    found = {}
    for path in sorted(output.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        if skip and soup.select_one(skip):
            continue
        # The first selector that matches: stock's article content before its whole content section.
        title = next(filter(None, (soup.select_one(s) for s in title_selector.split(", "))), None)
        body = next(filter(None, (soup.select_one(s) for s in body_selector.split(", "))), None)
        if title is None or body is None:
            continue
        for hidden in body.select("[hidden], .footnote-backref, .headerlink, a.anchor, footer.post-info"):
            hidden.decompose()
        blocks = [folded(b.get_text(" ")) for b in body.select("p, li, pre, h2, h3, h4, td, dt, dd, blockquote")]
        images = [Path(img["src"]).name for img in body.select("img[src]")]
        found.setdefault(folded(title.get_text(" ")), ([b for b in blocks if b], images))
    return found


def test_a_broken_link_of_the_samples_is_refused_with_its_file_and_line(samples):
    with pytest.raises(BuildError) as caught:
        build(site_settings(samples / "refused", samples / "content", **MOVED_IN))
    assert [str(p) for p in caught.value.problems] == [
        "content/pages/test_page.rst:13\u00a0: lien «\u202f|filename|/images/Fat_Cat.jpg\u202f»\u00a0: aucun texte à "
        "content/images/Fat_Cat.jpg (un chemin part du dossier du texte, ou de content/ s’il commence par /)"]


def test_every_page_of_stock_pelican_is_here_with_all_its_text(samples):
    page = samples / "content" / "pages" / "test_page.rst"
    page.write_text(page.read_text(encoding="utf-8").split(BROKEN)[0], encoding="utf-8")  # the author's fix
    stock = samples / "stock"
    conf = samples / "stock.py"
    conf.write_text("".join(f"{key} = {value!r}\n" for key, value in MOVED_IN.items() if key != "EXTRA_METADATA_KEYS")
                    + f"PATH = {str(samples / 'content')!r}\nOUTPUT_PATH = {str(stock)!r}\nSITEURL = ''\n"
                    + "TIMEZONE = 'Europe/Paris'\nDEFAULT_LANG = 'fr'\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pelican", "-s", str(conf), "-q"], capture_output=True,
                          encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr
    result = build(site_settings(samples / "nenufar", samples / "content", **MOVED_IN))
    assert (result.articles, result.pages, result.drafts) == (10, 3, 2)

    theirs = pages(stock, "h1.entry-title", "div.entry-content, section#content", skip=LISTINGS)
    ours = pages(Path(result.output_path), "article h1", "article")
    assert len(theirs) >= 15, sorted(theirs)  # 10 articles, their translations, 3 pages, 2 drafts
    for title, (blocks, images) in theirs.items():
        assert title in ours, f"no page titled {title!r} here"
        mine = "".join(ours[title][0])
        lost = [block for block in blocks if block not in mine]
        assert not lost, (title, lost)
        assert sorted(images) == sorted(ours[title][1]), title
    # The translations: in their own language, under /en/.
    english = BeautifulSoup((Path(result.output_path) / "en" / "oh-yeah" / "index.html").read_text(encoding="utf-8"),
                            "lxml")
    assert english.html["lang"] == "en"
    assert english.select_one("p.translations a")["hreflang"] == "fr"
    assert (Path(result.output_path) / "robots.txt").exists() and (Path(result.output_path) / "jinja2_template.html").exists()

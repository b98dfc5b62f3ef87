"""Images shown only by reserved parts: never in clear under output/, sealed
like the text when the build has the key, in clear for members under private/."""

from __future__ import annotations

import base64
import email
import email.policy
import gzip
import hashlib
import json
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import free_port, serve_folder, site_settings, write_content
from publishing.build import BuildError, build
from tiers.image_audit import clear_reserved_images
from tiers.seal import normalise

KEYS = {"NENUFAR_KEY_ABONNES": "clé des abonnés, assez longue", "NENUFAR_KEY_CERCLE": "clé du Cercle, plus longue encore"}
PAGE = "un-plan-reserve/index.html"


def png(width: int, height: int, seed: int) -> bytes:
    """A real PNG, with pixels of its own (so that no two test images share bytes)."""
    rows = b"".join(b"\x00" + bytes((x * 37 + y * 91 + seed * 53 + c * 17) % 256
                                    for x in range(width) for c in range(3)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PUBLIC_PNG = png(5, 4, 1)
PLAN_PNG = png(7, 3, 2)
SHARED_PNG = png(6, 6, 3)

ARTICLE = """Title: Un plan réservé
Date: 2026-11-20 08:30
Category: Essais

Une ouverture publique, avec une image publique :

![Un nénuphar]({static}/images/nenuphar.png)

Et une photo partagée ![Partagée](/images/partage.png).

<!-- tier: abonnes -->

## Le plan en détail

Le plan, réservé aux abonnés :

![Le plan de la maison]({static}../images/plan.png)

[Le plan en grand]({static}/images/plan.png), et encore ![Partagée]({static}/images/partage.png).
"""


def write_images(root: Path, **images: bytes) -> None:
    folder = root / "content" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        (folder / name).write_bytes(data)


def holds(data: bytes, image: bytes) -> bool:
    views = [data]
    if data[:2] == b"\x1f\x8b":
        views.append(gzip.decompress(data))
    encoded = base64.b64encode(image)
    return any(image in view or encoded[:-4] in view for view in views)


def assert_nowhere_in_clear(output: Path, image: bytes) -> None:
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        assert not holds(path.read_bytes(), image), f"reserved image in clear in {path.relative_to(output)}"


def private_feed_images(root: Path, tier: str) -> list[str]:
    from lxml import etree

    tree = etree.fromstring((root / "private" / "flux" / f"{tier}.atom.xml").read_bytes())
    html = "".join(e.text or "" for e in tree.iter("{http://www.w3.org/2005/Atom}content"))
    return [img["src"] for img in BeautifulSoup(html, "lxml").find_all("img")]


def no_keys(monkeypatch):
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)


def test_without_keys_the_reserved_image_goes_to_private_only(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    site = build_site({"articles/plan.md": ARTICLE})
    assert_nowhere_in_clear(site.output, PLAN_PNG)
    assert not (site.output / "images" / "plan.png").exists()
    assert site.file("images/nenuphar.png").read_bytes() == PUBLIC_PNG
    assert site.file("images/partage.png").read_bytes() == SHARED_PNG  # public part shows it too
    assert not list(site.output.rglob("*.bin"))  # nothing sealed without a key
    for path in site.all_files():
        assert b"plan.png" not in path.read_bytes(), path  # not even its name
    assert (tmp_path / "private" / "images" / "plan.png").read_bytes() == PLAN_PNG
    assert not (tmp_path / "private" / "images" / "partage.png").exists()
    # The private feeds show it from the clear copy, relative to the feed.
    for tier in ("abonnes", "cercle"):
        sources = private_feed_images(tmp_path, tier)
        assert "../images/plan.png" in sources
        assert (tmp_path / "private" / "flux" / "../images/plan.png").resolve().read_bytes() == PLAN_PNG
        assert any(s.endswith("/images/nenuphar.png") for s in sources)
    # The clean build passes the independent check; a planted copy does not.
    settings = site_settings(tmp_path, tmp_path / "content")
    assert clear_reserved_images(settings, site.output) == []


def test_private_siteurl_makes_feed_images_absolute(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    build_site({"articles/plan.md": ARTICLE}, PRIVATE_SITEURL="https://membres.exemple.fr/prive")
    assert "https://membres.exemple.fr/prive/images/plan.png" in private_feed_images(tmp_path, "abonnes")


def open_envelope(envelope: dict, passphrase: str, tier: str) -> bytes:
    """The content key of `tier`, unwrapped with `passphrase` as the browser does."""
    for opener in envelope["openers"].values():
        if tier not in opener["wraps"]:
            continue
        kek = hashlib.pbkdf2_hmac("sha256", normalise(passphrase), base64.b64decode(opener["salt"]),
                                  envelope["iterations"], 32)
        wrapped = base64.b64decode(opener["wraps"][tier])
        try:
            return AESGCM(kek).decrypt(wrapped[:12], wrapped[12:], f"cle:{tier}".encode())
        except Exception:
            continue
    raise PermissionError(passphrase)


def test_with_keys_the_image_is_sealed_and_opens_to_its_exact_bytes(build_site, tmp_path, monkeypatch):
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    site = build_site({"articles/plan.md": ARTICLE})
    assert_nowhere_in_clear(site.output, PLAN_PNG)
    blobs = list(site.output.rglob("*.bin"))
    assert len(blobs) == 1 and blobs[0].parent == site.output / "theme" / "scelles"
    assert "plan" not in blobs[0].name
    soup = site.soup(PAGE)
    envelope = json.loads(soup.select_one("#tier-envelope").string)
    sealed = soup.select_one("#suite-abonnes .tier-sealed")
    key = open_envelope(envelope, KEYS["NENUFAR_KEY_ABONNES"], "abonnes")
    part = AESGCM(key).decrypt(base64.b64decode(sealed["data-nonce"]), base64.b64decode(sealed["data-sealed"]),
                               b"abonnes").decode()
    opened = BeautifulSoup(part, "lxml")
    plan = opened.find("img", alt="Le plan de la maison")
    assert not plan.has_attr("src") and "plan.png" not in part  # no clear address in the sealed part
    assert plan["data-sealed-src"] == f"http://localhost:8000/theme/scelles/{blobs[0].name}"
    assert plan["data-sealed-type"] == "image/png" and plan["data-sealed-tier"] == "abonnes"
    link = opened.find("a", string="Le plan en grand")
    assert not link.has_attr("href") and link["data-sealed-href"] == plan["data-sealed-src"]
    # The shared image is public: the sealed part keeps its ordinary, resolved address.
    assert opened.find("img", alt="Partagée")["src"].endswith("/images/partage.png")
    data = blobs[0].read_bytes()
    assert AESGCM(key).decrypt(data[:12], data[12:], b"img:abonnes") == PLAN_PNG
    with pytest.raises(Exception):
        AESGCM(key).decrypt(data[:12], data[12:], b"abonnes")  # not interchangeable with a part
    # A cercle key opens it too (it unwraps the lower tier's content key).
    cercle = open_envelope(envelope, KEYS["NENUFAR_KEY_CERCLE"], "abonnes")
    assert AESGCM(cercle).decrypt(data[:12], data[12:], b"img:abonnes") == PLAN_PNG
    assert (tmp_path / "private" / "images" / "plan.png").read_bytes() == PLAN_PNG


def test_sealed_parts_have_their_links_resolved_as_on_the_page(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    monkeypatch.setenv("NENUFAR_KEY_ABONNES", KEYS["NENUFAR_KEY_ABONNES"])
    text = ("Title: Avec des liens\nDate: 2026-11-20 08:30\nCategory: Essais\n\nPublic.\n\n"
            "<!-- tier: abonnes -->\n\nVoir [l’autre article]({filename}/articles/autre.md).\n")
    other = "Title: L’autre\nDate: 2026-11-19 08:30\nCategory: Essais\n\nUn autre texte.\n"
    site = build_site({"articles/liens.md": text, "articles/autre.md": other})
    soup = site.soup("avec-des-liens/index.html")
    envelope = json.loads(soup.select_one("#tier-envelope").string)
    sealed = soup.select_one("#suite-abonnes .tier-sealed")
    key = open_envelope(envelope, KEYS["NENUFAR_KEY_ABONNES"], "abonnes")
    part = AESGCM(key).decrypt(base64.b64decode(sealed["data-nonce"]), base64.b64decode(sealed["data-sealed"]),
                               b"abonnes").decode()
    assert "{filename}" not in part
    assert BeautifulSoup(part, "lxml").find("a", string="l’autre article")["href"] == "http://localhost:8000/l-autre/"


def test_only_the_deeper_key_missing_keeps_its_images_out_entirely(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    monkeypatch.setenv("NENUFAR_KEY_ABONNES", KEYS["NENUFAR_KEY_ABONNES"])
    write_images(tmp_path, **{"plan.png": PLAN_PNG, "coulisses.png": SHARED_PNG})
    text = ("Title: Deux profondeurs\nDate: 2026-11-20 08:30\nCategory: Essais\n\nPublic.\n\n"
            "<!-- tier: abonnes -->\n\n![Plan]({static}/images/plan.png)\n\n"
            "<!-- tier: cercle -->\n\n![Coulisses]({static}/images/coulisses.png)\n")
    site = build_site({"articles/deux.md": text})
    assert_nowhere_in_clear(site.output, PLAN_PNG)
    assert_nowhere_in_clear(site.output, SHARED_PNG)
    assert len(list(site.output.rglob("*.bin"))) == 1  # the abonnés image only: no key for the Cercle
    assert (tmp_path / "private" / "images" / "coulisses.png").read_bytes() == SHARED_PNG


def test_public_references_in_metadata_settings_or_unreferenced_stay_public(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    social, lone, meta, logo = png(3, 3, 4), png(4, 2, 5), png(2, 5, 6), png(1, 1, 7)
    write_images(tmp_path, **{"partage.png": social, "seule.png": lone, "meta.png": meta, "plan.png": PLAN_PNG,
                              "logo.png": logo})
    templates = tmp_path / "gabarits"
    templates.mkdir()
    (templates / "logo.html").write_text('<img src="{{ SITEURL }}/images/logo.png" alt="">', encoding="utf-8")
    text = ("Title: Réservé\nDate: 2026-11-20 08:30\nCategory: Essais\nImage: images/meta.png\n\nPublic.\n\n"
            "<!-- tier: abonnes -->\n\n![a]({static}/images/partage.png) ![b](/images/meta.png) "
            "![c](http://localhost:8000/images/plan.png) ![d](../images/logo.png)\n")
    site = build_site({"articles/r.md": text}, SOCIAL_IMAGE="images/partage.png",
                      THEME_TEMPLATES_OVERRIDES=[str(templates)])
    assert site.file("images/logo.png").read_bytes() == logo  # a theme template shows it
    assert site.file("images/partage.png").read_bytes() == social  # SOCIAL_IMAGE is public
    assert site.file("images/meta.png").read_bytes() == meta  # so is the public metadata
    assert site.file("images/seule.png").read_bytes() == lone  # referenced by nothing: the author put it there
    assert not site.file("images/plan.png").exists()  # an absolute SITEURL address is a reference too
    assert_nowhere_in_clear(site.output, PLAN_PNG)
    # The independent check reads the same public material: nothing to report.
    settings = site_settings(tmp_path, tmp_path / "content", SOCIAL_IMAGE="images/partage.png",
                             THEME_TEMPLATES_OVERRIDES=[str(templates)])
    assert clear_reserved_images(settings, site.output) == []
    (site.output / "plan.png").write_bytes(PLAN_PNG)
    assert [r.path for r in clear_reserved_images(settings, site.output)] == ["plan.png"]


def test_attach_in_a_reserved_part_goes_to_private_beside_the_article(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    write_images(tmp_path, **{"plan.png": PLAN_PNG})
    text = ("Title: Attaché\nDate: 2026-11-20 08:30\nCategory: Essais\n\nPublic.\n\n"
            "<!-- tier: abonnes -->\n\n![Plan]({attach}../images/plan.png)\n")
    site = build_site({"articles/attache.md": text})
    assert_nowhere_in_clear(site.output, PLAN_PNG)
    copies = [p for p in (tmp_path / "private").rglob("plan.png")]
    assert [p.read_bytes() for p in copies] == [PLAN_PNG]
    relative = copies[0].relative_to(tmp_path / "private").as_posix()
    assert f"../{relative}" in private_feed_images(tmp_path, "abonnes")


def test_independent_check_reports_a_planted_clear_copy(build_site, tmp_path, monkeypatch):
    no_keys(monkeypatch)
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    site = build_site({"articles/plan.md": ARTICLE})
    settings = site_settings(tmp_path, tmp_path / "content")
    assert clear_reserved_images(settings, site.output) == []
    (site.output / "theme" / "copie.bin").write_bytes(PLAN_PNG)  # same bytes, another name
    (site.output / "page.html").write_text(
        f'<img src="data:image/png;base64,{base64.b64encode(PLAN_PNG).decode()}">', encoding="utf-8")
    (site.output / "images" / "partage-copie.png").write_bytes(SHARED_PNG)  # public image: not reported
    reports = clear_reserved_images(settings, site.output)
    assert len(reports) == 2
    assert str(reports[0]).startswith("page.html\u00a0: copie en clair de l’image réservée content/images/plan.png")
    assert str(reports[1]).startswith("theme/copie.bin\u00a0: ")
    assert all("content/articles/plan.md" in str(r) for r in reports)


def test_independent_check_reads_whole_reserved_texts_and_ignores_code(tmp_path):
    content = tmp_path / "content"
    write_images(tmp_path, **{"plan.png": PLAN_PNG, "code.png": SHARED_PNG})
    write_content(content, {
        "articles/entier.md": "Title: Entier\nTier: abonnes\n\n![x]({static}/images/plan.png)\n",
        "articles/code.md": ("Title: Code\n\n```\n<!-- tier: abonnes -->\n```\n\n![y](/images/code.png)\n\n"
                             "<!-- tier: abonnes -->\n\nRéservé.\n"),
    })
    output = tmp_path / "output"
    output.mkdir()
    (output / "a.png").write_bytes(PLAN_PNG)
    (output / "b.png").write_bytes(SHARED_PNG)
    settings = site_settings(tmp_path, content)
    assert [r.path for r in clear_reserved_images(settings, output)] == ["a.png"]


ISSUE = """Title: Le plan du numéro
Date: 2026-11-05 07:00
Issue: 3
Summary: Un numéro avec un plan.

Bonjour, la partie publique avec ![Un nénuphar]({static}/images/nenuphar.png).

<!-- tier: abonnes -->

Le plan des abonnés :

![Le plan de la maison]({static}/images/plan.png)
"""


def test_member_email_edition_carries_the_reserved_image_inline(tmp_path, monkeypatch):
    no_keys(monkeypatch)
    site = "https://lettre.exemple.fr"
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG})
    write_content(tmp_path / "content", {"newsletter/numero-3.md": ISSUE})
    result = build(site_settings(tmp_path, tmp_path / "content", SITEURL=site, FEED_DOMAIN=site,
                                 NEWSLETTER_EDITION="latest"))
    assert_nowhere_in_clear(tmp_path / "output", PLAN_PNG)
    folder = tmp_path / "private" / "newsletter" / "3"
    message = email.message_from_bytes((folder / "abonnes.eml").read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    related = next(p for p in message.iter_parts() if p.get_content_type() == "multipart/related")
    html_part, *images = list(related.iter_parts())
    assert html_part.get_content_type() == "text/html"
    html = BeautifulSoup(html_part.get_content(), "lxml")
    plan = html.find("img", alt="Le plan de la maison")
    assert plan["src"].startswith("cid:")
    image = next(p for p in images if p["Content-ID"] == f"<{plan['src'][4:]}>")
    assert image.get_content_type() == "image/png" and image.get_content() == PLAN_PNG
    assert image.get_content_disposition() == "inline"
    assert html.find("img", alt="Un nénuphar")["src"] == f"{site}/images/nenuphar.png"  # public: by address
    # The free edition has neither the image nor a part for it.
    public = email.message_from_bytes((folder / "public.eml").read_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in public.iter_parts()] == ["text/plain", "text/html"]
    assert PLAN_PNG not in (folder / "public.eml").read_bytes()
    assert "cid:" not in (folder / "public.html").read_text(encoding="utf-8")
    # The .html preview shows the clear private copy.
    preview = BeautifulSoup((folder / "abonnes.html").read_text(encoding="utf-8"), "lxml")
    src = preview.find("img", alt="Le plan de la maison")["src"]
    assert (folder / src).resolve().read_bytes() == PLAN_PNG
    # What `invoke send` puts on the wire carries the image too.
    from newsletter.send import wire_template

    edition = next(e for e in result.editions if e.tier == "abonnes")
    wire = email.message_from_bytes(wire_template(edition), policy=email.policy.default)
    parts = [p for p in wire.walk() if p.get_content_type() == "image/png"]
    assert [p.get_content() for p in parts] == [PLAN_PNG] and parts[0]["Content-ID"] == image["Content-ID"]


# In-page unlocking, in Debian's Chromium ----------------------------------------


@pytest.fixture(scope="module")
def sealed_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    write_images(root, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    write_content(root / "content", {"articles/plan.md": ARTICLE})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in KEYS.items():
            patch.setenv(key, value)
        settings = site_settings(root, root / "content", SITEURL=url, FEED_DOMAIN=url)
        build(settings)
    server = serve_folder(Path(settings["OUTPUT_PATH"]), port)
    yield url
    server.shutdown()


@pytest.mark.browser
def test_browser_shows_the_reserved_image_only_once_unlocked(sealed_site, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(sealed_site + "/un-plan-reserve/")
        page.wait_for_load_state("load")
        shown = page.evaluate("[...document.images].map(i => [i.alt, i.currentSrc, i.naturalWidth])")
        assert [alt for alt, _, _ in shown] == ["Un nénuphar", "Partagée"]
        assert all(width > 0 for _, _, width in shown)  # the public images are there
        page.goto(sealed_site + "/un-plan-reserve/#cle=" + quote(KEYS["NENUFAR_KEY_ABONNES"]))
        page.locator(".tier-opened[data-tier='abonnes']").wait_for(timeout=20_000)
        plan = page.locator("img[alt='Le plan de la maison']")
        page.wait_for_function(
            "() => { const i = document.querySelector(\"img[alt='Le plan de la maison']\");"
            " return i && i.complete && i.naturalWidth > 0; }", timeout=20_000)
        assert plan.evaluate("i => i.src").startswith("blob:")
        assert plan.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [7, 3]  # the plan itself
        link = page.get_by_role("link", name="Le plan en grand")
        page.wait_for_function(
            "() => [...document.links].some(a => a.textContent === 'Le plan en grand' && a.href.startsWith('blob:'))",
            timeout=20_000)
        assert link.get_attribute("href").startswith("blob:")
    finally:
        context.close()


def test_the_build_refuses_a_theme_that_publishes_a_reserved_image(build_site, tmp_path, monkeypatch):
    """The audit run by every build includes the image check."""
    import shutil

    from conftest import ROOT

    no_keys(monkeypatch)
    write_images(tmp_path, **{"nenuphar.png": PUBLIC_PNG, "plan.png": PLAN_PNG, "partage.png": SHARED_PNG})
    theme = tmp_path / "theme-fautif"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "static" / "fond.png").write_bytes(PLAN_PNG)  # a theme asset that happens to be the plan
    with pytest.raises(BuildError, match="theme/fond.png\u00a0: copie en clair de l’image réservée content/images/plan.png"):
        build_site({"articles/plan.md": ARTICLE}, THEME=str(theme))

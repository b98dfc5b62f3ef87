"""Email editions of a newsletter issue: one per tier, each with exactly its depth."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from bs4 import BeautifulSoup

from conftest import site_settings, write_content
from publishing.build import BuildError, build

SITE = "https://lettre.exemple.fr"
PUBLIC_WORD, ABONNES_WORD, CERCLE_WORD = "hirondelle", "martinpecheur", "bergeronnette"

ISSUE = f"""Title: Ce que vos réponses m'ont appris
Date: 2026-11-05 07:00
Issue: 2
Summary: Cent douze réponses, et ce qui change.

Bonjour, voici la partie pour tout le monde avec {PUBLIC_WORD}. Qu'en penses-tu ?

<!-- tier: abonnes -->

## Pour les abonnés

La partie des abonnés, avec {ABONNES_WORD} et [un lien]({{filename}}/articles/a.md).

<!-- tier: cercle -->

## Pour le Cercle

La partie du Cercle, avec {CERCLE_WORD}.
"""
FIRST = "Title: Le premier\nDate: 2026-10-01 07:00\nIssue: 1\n\nLe tout premier numéro.\n"
ARTICLE = "Title: Un article récent\nDate: 2026-11-02 08:30\nCategory: Essais\n\nUn article publié entre deux numéros.\n\n<!-- tier: abonnes -->\n\nSuite réservée.\n"
OLD = "Title: Un article ancien\nDate: 2026-09-02 08:30\nCategory: Essais\n\nAvant le premier numéro.\n"
FILES = {"newsletter/numero-2.md": ISSUE, "newsletter/numero-1.md": FIRST,
         "articles/a.md": ARTICLE, "articles/old.md": OLD}
TIERS = ("public", "abonnes", "cercle")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    root = tmp_path_factory.mktemp("lettre")
    write_content(root / "content", FILES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NENUFAR_KEY_ABONNES", "la clé des abonnés, assez longue")
        patch.delenv("NENUFAR_KEY_CERCLE", raising=False)
        result = build(site_settings(root, root / "content", SITEURL=SITE, FEED_DOMAIN=SITE,
                                     NEWSLETTER_EDITION="latest"))
    folder = root / "private" / "newsletter" / "2"
    assert [e.tier for e in result.editions] == list(TIERS)
    return {tier: {kind: (folder / f"{tier}.{kind}").read_bytes() for kind in ("html", "txt", "eml")}
            for tier in TIERS}


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("kind", ["html", "txt", "eml"])
def test_each_edition_holds_its_tier_and_nothing_deeper(editions, tier, kind):
    data = editions[tier][kind]
    if kind == "eml":
        message = email.message_from_bytes(data, policy=email.policy.default)
        data = "".join(part.get_content() for part in message.walk() if not part.is_multipart()).encode()
    text = data.decode("utf-8")
    depth = TIERS.index(tier)
    for rank, word in enumerate((PUBLIC_WORD, ABONNES_WORD, CERCLE_WORD)):
        assert (word in text) == (rank <= depth), (tier, kind, word)


def test_free_edition_ends_with_the_teaser_and_member_editions_with_the_next(editions):
    public = BeautifulSoup(editions["public"]["html"], "lxml").get_text()
    assert "La suite est réservée aux abonnés" in public
    abonnes = BeautifulSoup(editions["abonnes"]["html"], "lxml").get_text()
    assert "La suite est réservée au Cercle" in abonnes
    cercle = BeautifulSoup(editions["cercle"]["html"], "lxml").get_text()
    assert "La suite est réservée" not in cercle


def test_html_is_email_safe(editions):
    html = editions["abonnes"]["html"].decode()
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("style") is None  # everything inlined
    assert soup.html["lang"] == "fr"
    for tag in soup.find_all(href=True):
        assert re.match(r"^(https://|mailto:)", tag["href"]), tag
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("https://"), tag
    frame = soup.select_one("table.frame")
    assert frame["width"] == "600" and "max-width: 600px" in frame["style"]
    preheader = soup.select_one(".preheader")
    assert "display: none" in preheader["style"] and "Cent douze réponses" in preheader.get_text()
    online = soup.find("a", string="Consulter en ligne")
    assert online["href"] == f"{SITE}/lettre/2/"
    assert soup.select_one(".headerlink") is None
    button = BeautifulSoup(editions["public"]["html"], "lxml").select_one(".teaser a.button")
    assert "color: #ffffff" in button["style"] and "background: #24613f" in button["style"]  # legible


def test_footer_feedback_subscribe_unsubscribe_and_address(editions):
    soup = BeautifulSoup(editions["public"]["html"], "lxml")
    text = soup.get_text()
    assert "Avez-vous aimé ce numéro\u202f?" in text
    yes, no = soup.find("a", string="Oui")["href"], soup.find("a", string="Non")["href"]
    assert "reponse=oui" in yes and "reponse=non" in no and "numero=2" in yes
    assert "On vous a transféré cette lettre\u202f?" in text
    assert soup.find("a", string="Abonnez-vous")["href"] == f"{SITE}/s-abonner/"
    assert "jeton=" in soup.find("a", string="Se désabonner")["href"]
    assert "44000 Nantes" in text


def test_articles_since_the_previous_issue_and_member_links_carry_the_key(editions):
    public = BeautifulSoup(editions["public"]["html"], "lxml")
    titles = [a.get_text() for a in public.select(".article-title a")]
    assert titles == ["Un article récent"]  # not the one from before issue 1
    assert "#cle=" not in public.select_one(".article-title a")["href"]
    member = BeautifulSoup(editions["abonnes"]["html"], "lxml")
    assert "#cle=la%20cl%C3%A9%20des%20abonn%C3%A9s" in member.select_one(".article-title a")["href"]


def test_plain_text_is_wrapped_with_numbered_links_and_french_spaces(editions):
    text = editions["abonnes"]["txt"].decode("utf-8")
    for line in text.splitlines():
        assert len(line) <= 78 or re.fullmatch(r"\[\d+\] \S+", line), line
    assert "Qu’en penses-tu\u202f?" in re.sub(r"[ \n]+", " ", text)  # typography kept
    assert "penses-\ntu" not in text  # never wrapped at a hyphen
    assert re.search(r"Consulter en ligne \[(\d+)\]", text)
    number = re.search(r"Consulter en ligne \[(\d+)\]", text).group(1)
    assert f"[{number}] {SITE}/lettre/2/" in text
    assert "<" not in text


def test_mime_structure_and_headers(editions):
    message = email.message_from_bytes(editions["abonnes"]["eml"], policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["Subject"] == "Numéro 2 — Ce que vos réponses m’ont appris"
    assert message["From"].addresses[0].addr_spec == "claire@nenufar.example"
    assert message["Reply-To"].addresses[0].addr_spec == "claire@nenufar.example"
    assert message["Date"].datetime.isoformat() == "2026-11-05T07:00:00+01:00"
    assert message["Message-ID"].endswith("@nenufar.example>")
    assert message["List-Id"].endswith("<lettre.nenufar.example>")
    unsubscribe = str(message["List-Unsubscribe"])
    assert "<mailto:desabonnement@nenufar.example?subject=" in unsubscribe
    assert f"<{SITE}/desabonnement/?jeton=" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_gmail_clipping_is_warned_about(tmp_path):
    big = ISSUE + "\n\n" + "\n\n".join(f"Un paragraphe de remplissage numéro {i}, " * 20 for i in range(120))
    write_content(tmp_path / "content", {**FILES, "newsletter/numero-2.md": big})
    result = build(site_settings(tmp_path, tmp_path / "content", SITEURL=SITE, NEWSLETTER_EDITION="2"))
    warned = [w for w in result.warnings if "Gmail" in w]
    assert any("édition « cercle »" in w and "Ko" in w for w in warned), result.warnings


def test_unknown_issue_number_is_named(tmp_path):
    write_content(tmp_path / "content", FILES)
    with pytest.raises(BuildError, match="la lettre n’a pas de numéro 7 \\(numéros\u00a0: 1, 2\\)"):
        build(site_settings(tmp_path, tmp_path / "content", NEWSLETTER_EDITION="7"))


def test_invoke_newsletter_writes_the_editions_and_leaves_output_alone(project):
    from test_cli import invoke

    write_content(project / "content", FILES)
    done = invoke(project, "newsletter", "--issue", "2", "--conf", "pelicanconf.py",
                  env={"NENUFAR_KEY_ABONNES": "", "NENUFAR_KEY_CERCLE": ""})
    assert done.returncode == 0, done.stderr
    for tier in TIERS:
        assert f"Édition «\u202f{tier}\u202f»\u00a0: private/newsletter/2/{tier}.html, .txt, .eml (" in done.stdout
        assert (project / "private" / "newsletter" / "2" / f"{tier}.eml").exists()
    assert not (project / "output").exists()
    missing = invoke(project, "newsletter", "--issue", "9", "--conf", "pelicanconf.py")
    assert missing.returncode == 1 and "la lettre n’a pas de numéro 9" in missing.stderr


def test_a_draft_letter_is_previewed_and_never_sent(project):
    from test_cli import invoke

    draft = "Title: La suite\nDate: 2026-11-20 07:00\nIssue: 3\nStatus: draft\n\nBonjour, la suite en cours.\n"
    write_content(project / "content", {**FILES, "newsletter/numero-3.md": draft})
    env = {"NENUFAR_KEY_ABONNES": "", "NENUFAR_KEY_CERCLE": ""}
    done = invoke(project, "newsletter", "--issue", "3", env=env)
    assert done.returncode == 0, done.stderr
    message = email.message_from_bytes((project / "private/newsletter/3/public.eml").read_bytes(),
                                       policy=email.policy.default)
    assert message["Subject"] == "[Aperçu] Numéro 3 — La suite"
    assert "Aperçu d’un brouillon" in message.get_body(("html",)).get_content()
    latest = invoke(project, "newsletter", env=env)  # the latest issue is the latest published one
    assert "private/newsletter/2/public.html" in latest.stdout and "newsletter/3" not in latest.stdout
    (project / "abonnes.csv").write_text("email,name,tier,token\nlena@exemple.fr,Lena,public,j1\n", encoding="utf-8")
    refused = invoke(project, "send", "--issue", "3", "--subscribers", "abonnes.csv", "--dry-run", env=env)
    assert refused.returncode == 1
    assert ("le numéro 3 est un brouillon\u00a0: son édition est un aperçu, à relire, jamais envoyée"
            in refused.stderr), refused.stderr


def test_unsubscribe_and_feedback_pages_ask_before_acting(tmp_path):
    """Mail scanners open every link: the pages behind them change nothing by themselves."""
    write_content(tmp_path / "content", FILES)
    build(site_settings(tmp_path, tmp_path / "content", SITEURL=SITE))
    for page, button in (("desabonnement/index.html", "Confirmer le désabonnement"),
                         ("avis/index.html", "Confirmer mon avis")):
        soup = BeautifulSoup((tmp_path / "output" / page).read_text(encoding="utf-8"), "lxml")
        assert soup.select_one('meta[name="robots"]')["content"] == "noindex"
        link = soup.find("a", string=button)
        assert link["href"].startswith("mailto:")  # acting is the reader's own gesture
        assert not soup.find("form")
    sitemap = (tmp_path / "output" / "sitemap.xml").read_text(encoding="utf-8")
    assert "desabonnement" not in sitemap and "/avis/" not in sitemap


@pytest.mark.browser
def test_unsubscribe_page_puts_the_token_in_the_prepared_email(demo_site, browser):
    page = browser.new_page()
    try:
        page.goto(demo_site.url + "/desabonnement/?jeton=jeton-alice")
        href = page.get_by_role("link", name="Confirmer le désabonnement").get_attribute("href")
        assert href == "mailto:desabonnement@nenufar.example?subject=desabonnement%20jeton-alice"
        page.goto(demo_site.url + "/avis/?numero=2&reponse=oui&jeton=jeton-alice")
        href = page.get_by_role("link", name="Confirmer mon avis").get_attribute("href")
        assert href == "mailto:claire@nenufar.example?subject=avis%20oui%20numero%202%20jeton-alice"
    finally:
        page.close()


def test_the_community_section_comes_from_the_digest_data(tmp_path):
    import json

    data = {"un-article-recent": [
        {"author": "Lena <b>", "source": "Blog de Lena", "date": "2026-11-03T10:00:00+01:00", "title": "Réponse",
         "excerpt": "Très juste <script>", "link": "https://lena.exemple/r"},
        {"author": "Trop tôt", "source": "Blog", "date": "2026-09-01T10:00:00+01:00", "title": "Avant",
         "excerpt": "Avant le numéro 1", "link": "https://x.exemple/"}]}
    write_content(tmp_path / "content", {**FILES, "echos.json": json.dumps(data)})
    result = build(site_settings(tmp_path, tmp_path / "content", SITEURL=SITE, NEWSLETTER_EDITION="2"))
    html = next(e.html for e in result.editions if e.tier == "public")
    soup = BeautifulSoup(html, "lxml")
    section = next(td for td in soup.select("td.articles") if "Ils en parlent" in td.get_text())
    assert "Lena <b>" in section.get_text() and "<script" not in html
    assert "Avant le numéro 1" not in section.get_text()  # only since the previous issue
    assert section.find("a", string="Lire")["href"] == "https://lena.exemple/r"
    assert "color: #24613f" in section.find("a", string="Lire")["style"]  # never the client's default blue


def test_one_font_stack_and_a_button_for_readers_already_on_the_list(editions):
    html = editions["public"]["html"].decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    stacks = {m.strip() for tag in soup.select("[style]") for m in re.findall(r"font-family:([^;]+)", tag["style"])}
    assert stacks == {"Georgia, 'Times New Roman', serif"}, stacks  # whole: the stylesheet's quotes survive
    assert soup.select_one("a.button").get_text() == "Passer à l’édition des abonnés"  # not « S’abonner »
    assert "margin: 0 0 12px" in soup.select_one("p.date")["style"]  # « Bonjour » is not glued to the date


def test_the_letter_speaks_with_the_site_s_voice(tmp_path):
    write_content(tmp_path / "content", FILES)
    result = build(site_settings(tmp_path, tmp_path / "content", SITEURL=SITE, NEWSLETTER_EDITION="2",
                                 VOUVOIEMENT=False))
    text = next(e.text for e in result.editions if e.tier == "public")
    assert "As-tu aimé ce numéro" in text and "Réponds simplement" in text and "Tu reçois cette lettre" in text
    assert "vous" not in text.lower().replace("rendez-vous", "")

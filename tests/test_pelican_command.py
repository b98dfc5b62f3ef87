"""The plain `pelican` command builds what `invoke build` builds, or stops."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import ROOT, write_content
from test_tiers import ABONNES_CANARY, CERCLE_CANARY, FILES


def pelican(project, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pelican", "content", *args], cwd=project, capture_output=True,
        encoding="utf-8", timeout=180,
        env={**os.environ, "PYTHONUTF8": "1", "NENUFAR_KEY_ABONNES": "", "NENUFAR_KEY_CERCLE": "",
             **(env or {})},
    )


def public_text(project) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="ignore")
                     for p in (project / "output").rglob("*") if p.is_file())


def test_plain_pelican_applies_the_tiers_and_the_audit(project):
    write_content(project / "content", FILES)
    done = pelican(project, "-s", "pelicanconf.py")
    assert done.returncode == 0, done.stderr
    assert "Site construit" in done.stdout and "3 articles" in done.stdout
    text = public_text(project)
    assert "Une ouverture publique" in text
    assert ABONNES_CANARY not in text and CERCLE_CANARY not in text
    feed = (project / "private" / "flux" / "cercle.atom.xml").read_text(encoding="utf-8")
    assert CERCLE_CANARY in feed


def test_plain_pelican_refuses_a_leak_and_keeps_the_previous_site(project):
    write_content(project / "content", FILES)
    assert pelican(project, "-s", "pelicanconf.py").returncode == 0
    before = (project / "output" / "index.html").read_bytes()
    theme = project / "theme-fautif"
    shutil.copytree(ROOT / "theme", theme)
    template = theme / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{{ article.content }}",
        "{{ article.content }}{% if article.tier_split %}{{ article.tier_split.gated[-1].html }}{% endif %}"),
        encoding="utf-8")
    done = pelican(project, "-s", "pelicanconf.py", "-t", str(theme))
    assert done.returncode == 1
    assert "fuite de texte réservé dans le site public" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert CERCLE_CANARY not in public_text(project)
    assert (project / "output" / "index.html").read_bytes() == before


def test_plain_pelican_stops_when_a_plugin_cannot_load(project):
    write_content(project / "content", FILES)
    done = pelican(project, "-s", "pelicanconf.py", "-e", 'PLUGINS=["tiers", "inexistante"]')
    assert done.returncode == 1
    assert "extension introuvable ou en erreur : inexistante" in done.stderr.replace("\u00a0", " ")
    assert not (project / "output").exists()


def test_publishconf_builds_the_same_way(project):
    write_content(project / "content", FILES)
    done = pelican(project, "-s", "publishconf.py", env={"NENUFAR_SITEURL": "https://claire.exemple"})
    assert done.returncode == 0, done.stderr
    text = public_text(project)
    assert "https://claire.exemple/" in text
    assert ABONNES_CANARY not in text and CERCLE_CANARY not in text


def test_plain_pelican_refuses_an_unknown_setting_of_a_plugin(project):
    write_content(project / "content", FILES)
    done = pelican(project, "-s", "pelicanconf.py", "-e", 'NEWSLETTER_FORM="claire@nenufar.example"')
    assert done.returncode == 1
    assert ("pelicanconf.py\u00a0: réglage inconnu «\u202fNEWSLETTER_FORM\u202f»\u202f; "
            "vouliez-vous dire «\u202fNEWSLETTER_FROM\u202f»\u202f?") in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (project / "output").exists()

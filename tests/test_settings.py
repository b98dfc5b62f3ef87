"""One defaults table per plugin, merged and checked once, and documented in the README."""

from __future__ import annotations

import ast
import re
from importlib import import_module

import pytest

from conftest import ROOT, site_settings
from publishing.build import BuildError, load_settings
from test_architecture import PACKAGES

# Packages whose settings have no table yet: their rows of the README are not
# compared (issue 11 gives reactions its table; then remove it from here).
PENDING: set[str] = set()


def tables() -> dict[str, dict]:
    found = {}
    for package in PACKAGES:
        defaults = getattr(import_module(package), "DEFAULTS", None)
        if defaults is not None:
            found[package] = defaults
    return found


def readme_rows() -> dict[str, tuple[str, object]]:
    """{key: (plugin, default)} of the table under « Réglages des extensions »."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Réglages des extensions\n", 1)[1].split("\n#", 1)[0]
    table = section.split("| réglage |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        key, plugin, default = (cell.strip() for cell in line.strip("|").split("|")[:3])
        name = re.fullmatch(r"`([A-Z_]+)`", key).group(1)
        assert name not in rows, f"{name} is listed twice"
        rows[name] = (plugin, ast.literal_eval(re.fullmatch(r"`(.*)`", default).group(1)))
    return rows


def test_the_readme_lists_exactly_the_defaults_tables():
    documented = readme_rows()
    declared = {key: (plugin, value) for plugin, defaults in tables().items() for key, value in defaults.items()}
    assert documented == declared


def test_each_setting_has_one_table_and_pending_packages_have_none():
    keys = [key for defaults in tables().values() for key in defaults]
    assert len(keys) == len(set(keys))
    assert not PENDING & set(tables()), "this package has a DEFAULTS table now: document it and drop it from PENDING"


@pytest.fixture
def content(tmp_path):
    (tmp_path / "content").mkdir()
    return tmp_path / "content"


def test_defaults_lie_under_the_authors_values(tmp_path, content):
    settings = site_settings(tmp_path, content, TOC_MIN_WORDS=10)
    assert settings["TOC_MIN_WORDS"] == 10  # the author's value wins
    assert settings["NEWSLETTER_FEED_ATOM"] == "feeds/lettre.atom.xml"  # not in pelicanconf.py: the default
    assert settings["SMTP_PORT"] is None  # pelicanconf.py leaves it to the TLS mode
    settings["EXTRA_METADATA_KEYS"].append("humeur")  # a copy, not the table's own list
    from publishing import DEFAULTS

    assert DEFAULTS["EXTRA_METADATA_KEYS"] == []


@pytest.mark.parametrize("overrides, message", [
    ({"NEWSLETTER_FORM": "x"}, "pelicanconf.py\u00a0: réglage inconnu «\u202fNEWSLETTER_FORM\u202f»\u202f; "
                               "vouliez-vous dire «\u202fNEWSLETTER_FROM\u202f»\u202f?"),
    ({"TOC_MIN_WORD": 3}, "réglage inconnu «\u202fTOC_MIN_WORD\u202f»\u202f; vouliez-vous dire «\u202fTOC_MIN_WORDS\u202f»"),
    ({"READING_SPEED_WPM": "vite"}, "pelicanconf.py\u00a0: READING_SPEED_WPM doit être un nombre entier, pas 'vite'"),
    ({"READING_SPEED_WPM": 0}, "READING_SPEED_WPM doit être un nombre de mots par minute positif, pas 0"),
    ({"PAGEFIND": "oui"}, "PAGEFIND doit être True ou False, pas 'oui'"),
    ({"MOST_COMMENTED": True}, "MOST_COMMENTED doit être un nombre entier, pas True"),
    ({"SMTP_RETRY_DELAYS": 5}, "SMTP_RETRY_DELAYS doit être une liste, pas 5"),
    ({"SMTP_PORT": "587"}, "SMTP_PORT doit être un nombre entier, pas '587'"),
    ({"SMTP_PASSWORD": "secret"}, "SMTP_PASSWORD\u00a0: le mot de passe SMTP ne s’écrit pas dans les réglages"),
    ({"SITEMAP_EXCLUDE": ["(oups"]}, "SITEMAP_EXCLUDE\u00a0: expression «\u202f(oups\u202f» illisible"),
])
def test_unknown_and_mistyped_settings_fail_naming_the_key(tmp_path, content, overrides, message):
    with pytest.raises(BuildError) as failure:
        site_settings(tmp_path, content, **overrides)
    assert message in str(failure.value)
    assert "secret" not in str(failure.value)


def test_a_disabled_plugin_leaves_its_prefix_alone(tmp_path, content):
    settings = site_settings(tmp_path, content, PLUGINS=["publishing"], NEWSLETTER_FORM="x")
    assert settings["NEWSLETTER_FORM"] == "x" and "NEWSLETTER_FEED_ATOM" not in settings
    assert settings["READING_SPEED_WPM"] == 220  # publishing's table is always merged


def test_smtp_port_follows_the_tls_mode_with_the_projects_settings():
    from newsletter.send import SmtpConfig

    settings = load_settings(str(ROOT / "pelicanconf.py"))
    assert SmtpConfig.from_settings(settings, {"NENUFAR_SMTP_HOST": "smtp.exemple.fr",
                                               "NENUFAR_SMTP_TLS": "ssl"}).port == 465
    assert SmtpConfig.from_settings(settings, {"NENUFAR_SMTP_HOST": "smtp.exemple.fr"}).port == 587
    assert SmtpConfig.from_settings(settings, {"NENUFAR_SMTP_HOST": "smtp.exemple.fr", "NENUFAR_SMTP_TLS": "ssl",
                                               "NENUFAR_SMTP_PORT": "2465"}).port == 2465


def test_the_smtp_password_is_read_from_the_environment_and_never_shown():
    from newsletter.send import SmtpConfig

    settings = load_settings(str(ROOT / "pelicanconf.py"))
    config = SmtpConfig.from_settings(settings, {"NENUFAR_SMTP_HOST": "smtp.exemple.fr", "NENUFAR_SMTP_USER": "claire",
                                                 "NENUFAR_SMTP_PASSWORD": "mot-de-passe-secret"})
    assert config.password == "mot-de-passe-secret"
    assert "mot-de-passe-secret" not in repr(config) and "mot-de-passe-secret" not in str(config)
    assert repr(config) == "SmtpConfig(host='smtp.exemple.fr', port=587, tls='starttls', user='claire')"

"""Depth tiers: the deeper parts of a text go to members, never to the public site.

Reading (cached): the reader splits the rendered HTML at its dividers
(`<!-- tier: abonnes -->`) or from the `Tier:` metadata, and hands Pelican the
public part only; the split is kept as `tier_split` for everything else.
Building: each gated text gets its teaser gates (sealed for in-page
unlocking when the build has tier keys), its JSON-LD says it is not free,
private Atom feeds are written under PRIVATE_OUTPUT_PATH, and the probes for
the leak audit (audit.py, run by `invoke build` and `invoke audit`) are saved.

Must come before `longform` in PLUGINS: reading time and table of contents
are then computed on the public part, plus the withheld word count.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals

from .audit import make_probes, save_probes
from .gates import feed_note, make_gates
from .ladder import LadderError, load_ladder
from .private_feeds import write_feeds
from .seal import KeyError_, Vault, keys_from_env
from .reader import install_readers, shown_path

log = logging.getLogger(__name__)

PROBES = ".audit-probes.json"


def private_path(settings: dict) -> Path:
    return Path(settings.get("PRIVATE_OUTPUT_PATH") or "private")


def check_settings(pelican):
    settings = pelican.settings
    try:
        ladder = load_ladder(settings)
    except LadderError as error:
        log.error("pelicanconf.py : %s", error)
        return
    if ladder.gated and settings.get("OUTPUT_SOURCES"):
        log.error("pelicanconf.py : OUTPUT_SOURCES publierait le Markdown avec ses parties réservées ; "
                  "il est refusé tant que TIERS compte des paliers réservés")
    private = private_path(settings).resolve()
    output = Path(settings["OUTPUT_PATH"]).resolve()
    if private == output or output in private.parents:
        log.error("pelicanconf.py : PRIVATE_OUTPUT_PATH (%s) ne peut pas être dans OUTPUT_PATH, "
                  "qui est public", private)


def _strings(value, depth: int = 0):
    """Every string in the settings, nested ones too (the TIERS promises)."""
    if isinstance(value, str):
        yield value
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 4 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, depth + 1)


def _texts(generators):
    for generator in generators:
        for name in ("articles", "translations", "drafts", "drafts_translations", "hidden_articles",
                     "hidden_translations", "pages", "hidden_pages", "draft_pages", "issues"):
            yield from getattr(generator, name, None) or ()


def seal_and_publish(generators):
    if not generators:
        return
    settings = generators[0].settings
    try:
        ladder = load_ladder(settings)
    except LadderError:
        return  # reported by check_settings
    try:
        keys = keys_from_env(ladder)
    except KeyError_ as error:
        log.error("%s", error)
        return
    vault = Vault(ladder, keys) if keys else None
    wpm = settings.get("READING_SPEED_WPM", 220)
    gated, public = [], []
    seen = set()
    for item in _texts(generators):
        if id(item) in seen:
            continue
        seen.add(id(item))
        split = getattr(item, "tier_split", None)
        public.extend([str(getattr(item, "title", "")), item.metadata.get("summary", "") or "",
                       split.public_html if split else item._content or ""])
        if split is None:
            continue
        where = shown_path(settings, item.source_path)
        gated.extend((f"{where} ({part.tier})", part.html) for part in split.gated)
        item.tier_gates = make_gates(split, ladder, vault, wpm)
        item.tier_envelope = vault.envelope() if any(g["sealed"] for g in item.tier_gates) else None
        item.structured_data = {
            "isAccessibleForFree": False,
            "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False,
                        "cssSelector": ".tier-gate"},
        }
    if gated:
        # The theme's words and the settings' strings are public by nature: a gated
        # sentence that happens to share six words with them is not a leak.
        public.extend(_strings(settings))
        for template in sorted((Path(settings["THEME"]) / "templates").rglob("*.html")):
            public.append(template.read_text(encoding="utf-8"))
    private = private_path(settings)
    save_probes(private / PROBES, make_probes(gated, public) if gated else {})
    articles = next((g.articles for g in generators if hasattr(g, "hidden_articles")), [])
    if ladder.gated:
        write_feeds(articles, ladder, settings, private)


def note_in_feeds(context, feed):
    """Public feed entries of gated texts end with the teaser, not mid-thought."""
    siteurl = context.get("SITEURL", "")
    notes = {}
    for article in context.get("articles") or ():
        gates = getattr(article, "tier_gates", None)
        if gates:
            notes[f"{siteurl.rstrip('/')}/{article.url}"] = feed_note(gates[0], siteurl)
    for item in feed.items:
        note = notes.get(str(item.get("link", "")).split("?", 1)[0])
        if note:
            key = "content" if item.get("content") is not None else "description"
            item[key] = f"{item.get(key) or ''}{note}"


def register():
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(install_readers)
    signals.all_generators_finalized.connect(seal_and_publish)
    signals.feed_generated.connect(note_in_feeds)

"""Depth tiers: the deeper parts of a text go to members, never to the public site.

Reading (cached, reader.py): the source is cut at its dividers
(`<!-- tier: abonnes -->`) or reserved whole by the `Tier:` metadata, each part
is rendered on its own, and Pelican gets the public part only; the split is
kept as `tier_split` for everything else.
Building: each gated text gets its teaser gates (sealed for in-page
unlocking when the build has tier keys), its JSON-LD says it is not free, and
private Atom feeds are written under PRIVATE_OUTPUT_PATH. Static files shown
by reserved parts only are kept out of the public output: copied in clear
under PRIVATE_OUTPUT_PATH, and sealed like the text when the build can
(images.py).
Auditing (audit.py, connected to publishing's `site_staged`, so every build
runs it, and called by `invoke audit`): the output is searched for reserved
text read again from the sources, not from the split.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from pelican import signals
from pelican.utils import get_relative_path, path_to_url

from publishing import (background_open, can_fork, content_refreshed, contents, in_background, quick_pages,
                        settle, site_staged)
from shared import Problem

from .audit import BackgroundAudit, Leak, LiveAudit, audit
from .config import DEFAULTS, PREFIXES, check_settings
from .gates import feed_note, make_gates, remaining_label
from .image_audit import ClearCopy
from .images import ReservedImages, find_reserved
from .ladder import PUBLIC_ONLY, Ladder, LadderError, Tier, load_ladder
from .private_feeds import FEEDS, write_feeds
from .reader import install_readers
from .seal import KeyError_, Vault, keys_from_env
from .split import Part, TierSplit, notes_last

__all__ = ["DEFAULTS", "PREFIXES", "PUBLIC_ONLY", "ClearCopy", "KeyError_", "Ladder", "LadderError", "Leak", "Part",
           "ReservedImages", "Sealing", "Tier", "TierSplit", "Vault", "audit", "check_settings", "keys_from_env",
           "load_ladder", "register", "remaining_label", "sealing"]

log = logging.getLogger(__name__)


def private_path(settings: dict) -> Path:
    return Path(settings["PRIVATE_OUTPUT_PATH"])


@dataclass(frozen=True)
class Sealing:
    """What a build with these settings and this environment does with the gated parts."""

    gated: tuple[Tier, ...]  # the reserved tiers, from the most open
    opened: tuple[str, ...]  # the ids of those the keys open: sealed in the pages; the others left out
    private_feeds: Path  # where the members' feeds are written


def sealing(settings: dict, environ=os.environ) -> Sealing:
    """LadderError or KeyError_ if TIERS or a NENUFAR_KEY_* is wrong (a build reports them first)."""
    ladder = load_ladder(settings)
    vault = Vault(ladder, keys_from_env(ladder, environ))
    return Sealing(ladder.gated, tuple(t.id for t in ladder.gated if vault.can_open(t.id)),
                   private_path(settings) / FEEDS)


def _siteurl(settings: dict, item) -> str:
    """The SITEURL the item's own page resolves its links with, as Pelican's writer does."""
    if settings.get("RELATIVE_URLS"):
        return get_relative_path(path_to_url(item.save_as))
    return settings.get("SITEURL", "")


def _preparer(item, images, vault, settings):
    """What a gated part of `item` becomes before it is sealed: its {static} and
    {filename} links resolved as on the page, its reserved images sealed apart."""
    siteurl = _siteurl(settings, item)

    def prepare(part):
        html = item._update_content(part.html, siteurl)
        return images.seal_html(html, vault, item, siteurl)

    return prepare


_ATTACHED = ("tier_gates", "tier_envelope", "structured_data")  # what _gate attaches to a gated text


def _gate(item, ladder, vault, images, settings) -> None:
    """A gated text's teaser gates (its parts sealed when the build has keys) and JSON-LD."""
    item.tier_gates = make_gates(item.tier_split, ladder, vault, settings["READING_SPEED_WPM"],
                                 _preparer(item, images, vault, settings))
    item.tier_envelope = vault.envelope() if any(g["sealed"] for g in item.tier_gates) else None
    item.structured_data = {
        "isAccessibleForFree": False,
        "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False,
                    "cssSelector": ".tier-gate"},
    }


def refresh_gates(settings, content, previous, generators) -> list[Problem]:
    """content_refreshed (publishing): the gates of a text read again by livereload's
    quick path (or of a new draft), as seal_and_publish would make them."""
    if content is None:  # a draft deleted: nothing of ours points at it
        return []
    for name in _ATTACHED if previous is not None else ():  # carried over from the text as it was
        if name in vars(content) and vars(content)[name] is vars(previous).get(name):
            delattr(content, name)
    split = getattr(content, "tier_split", None)
    if split is None:
        return []
    images = generators[0].context.get("tier_images") if generators else None
    if images is None or any("<img" in part.html for part in split.gated):
        # Reserved images are sorted out by the whole build (kept out of the static
        # copy, sealed apart): its page is not for the quick path.
        return [Problem("", None, "une partie réservée montre une image")]
    try:
        ladder = load_ladder(settings)
        keys = keys_from_env(ladder)
    except (LadderError, KeyError_) as error:
        return [Problem("", None, str(error))]
    _gate(content, ladder, Vault(ladder, keys) if keys else None, images, settings)
    return []


_live: dict[str, "LiveAudit"] = {}  # content folder -> its live audit (livereload keeps one process)


def audit_quick_pages(settings, pages) -> list[Problem]:
    """quick_pages (publishing): the leak audit of the pages the quick path puts in place."""
    try:
        if not load_ladder(settings).gated:
            return []  # nothing is reserved
    except LadderError:
        return []  # reported when the settings were prepared
    live = _live.setdefault(str(settings["PATH"]), LiveAudit())
    found = live.leaks(settings, pages)
    if not found:
        return []
    return ([Problem("", None, "fuite de texte réservé dans le site public :")]
            + [item.problem for item in found])


def seal_and_publish(generators):
    if not generators:
        return
    settings = generators[0].settings
    try:
        ladder = load_ladder(settings)
    except LadderError:
        return  # reported when the settings were prepared (config.check_settings)
    try:
        keys = keys_from_env(ladder)
    except KeyError_ as error:
        log.error("%s", error)
        return
    vault = Vault(ladder, keys) if keys else None
    images = find_reserved(generators, settings, ladder)  # out of the static generator's copies
    generators[0].context["tier_images"] = images
    if images:  # resolve the reserved parts' links once, so that {attach} has settled every save_as
        for item in contents(generators):
            for part in getattr(getattr(item, "tier_split", None), "gated", ()):
                item._update_content(part.html, _siteurl(settings, item))
        images.settle()
    for item in contents(generators):
        if getattr(item, "tier_split", None) is not None:
            _gate(item, ladder, vault, images, settings)
    private = private_path(settings)
    images.write_sealed(Path(settings["OUTPUT_PATH"]))  # only what a sealed part shows
    images.copy_private(private)  # in clear, for the private feeds and the email editions
    articles = next((g.articles for g in generators if hasattr(g, "hidden_articles")), [])
    if ladder.gated:
        write_feeds(articles, ladder, settings, private, images)


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


# The audit started beside each build in progress (weak keys: nothing outlives its build).
_audits: WeakKeyDictionary = WeakKeyDictionary()


def start_audit(pelican):
    """get_generators, sent as Pelican starts to build (the settings final, nothing read
    yet): the audit starts reading the sources in a process of its own, beside the
    reading and writing of the build. Forked while this process is still small: the
    probes are the bulk of the audit's memory, and the pages read later are not copied
    into it. Only in a build that waits for its background work (build.py) and may use
    more than one process; any other run audits in process, at the end."""
    settings = pelican.settings
    if ("tiers" not in settings["PLUGINS"] or not background_open(pelican)
            or settings.get("BUILD_PROCESSES", 0) == 1 or not can_fork()):
        return None
    job = BackgroundAudit(settings)
    in_background(pelican, job)  # a failed build stops it
    _audits[pelican] = job
    return None  # no generator


def stream_to_audit(path, context=None):
    """content_written: the page goes to the audit of the build writing it, if it has one."""
    for job in list(_audits.values()):
        job.written(path)


def audit_behind(pelican) -> None:
    """finalized: every page is written; the audit of this build catches up without
    taking the cores from Pagefind, started by the same signal."""
    job = _audits.get(pelican)
    if job is not None:
        job.step_aside()


def audit_staged(pelican, output: Path) -> list[Problem]:
    """site_staged (publishing): the leak audit over the site about to be published."""
    job = _audits.pop(pelican, None)
    if job is None:
        settle(pelican)  # every file is written, Pagefind's index included
        found = audit(pelican.settings, output)
    else:
        settle(pelican)  # every file is written (Pagefind's problems are build.py's to report)
        found = job.finish(output)  # the probes were made meanwhile; every file scanned
    if not found:
        return []
    return ([Problem("", None, "fuite de texte réservé dans le site public, construction refusée\u00a0:")]
            + [item.problem for item in found])


def register():
    signals.readers_init.connect(install_readers)
    signals.all_generators_finalized.connect(seal_and_publish)
    signals.feed_generated.connect(note_in_feeds)
    site_staged.connect(audit_staged)
    signals.finalized.connect(audit_behind)
    content_refreshed.connect(refresh_gates)
    quick_pages.connect(audit_quick_pages)
    signals.get_generators.connect(start_audit)
    signals.content_written.connect(stream_to_audit)

"""Signals that publishing declares, for plugins to connect to (as Pelican
declares its own in pelican.plugins.signals): publishing never imports a
feature plugin; a plugin that has something to say about a build connects a
module-level function here in its `register()`.

site_staged(pelican, output=Path) -> list[Problem]
    Sent by build.py once Pelican has written the whole site into its staging
    folder, before that folder replaces the public output. Each receiver
    returns the problems it finds there (a French heading line may come first,
    with an empty path); any problem refuses the site, and the previous one
    stays in place. The tiers plugin's leak audit connects here.

send_recipients(settings, editions=[Edition], subscribers=Path | None) -> Plan | None
    Sent by `invoke send` (newsletter) to learn who receives an issue, when a
    plugin keeps the subscribers (engagement: its database, and the
    unsubscribes it recorded). Its receivers connect when their package is
    imported (the CLI creates no Pelican object); the first answer of a plugin
    named in PLUGINS is the plan; none: the CSV file given with --subscribers.

content_refreshed(settings, content=Content | None, previous=Content | None, generators=list) -> list[Problem]
    Sent by livereload's quick path (quick.py) when one text was read again
    without a full build: `content` is the new object, which carries what the
    build attached to `previous` after reading (neighbours, comments,
    reactions…). A receiver brings up to date what it attached from the text
    itself (the tiers plugin: the gates); a problem means it cannot, and the
    full build runs instead. For a draft (which no other page shows), also
    sent with `previous` None when it is new, and with `content` None when it
    is deleted (a moved address sends both): a receiver then attaches to the
    new text what it attaches after reading (no comment yet, its echoes, no
    series), or returns a problem when something else points at the text (a
    conversation in its name: the full build attaches or reports it). For an
    article that moved in the lists, `previous` is an object with no attributes:
    relist.py has made what the lists attach, only what comes from the text itself
    (the gates) is left to the receivers.

quick_pages(settings, pages={name: bytes}) -> list[Problem]
    Sent by the quick path with the pages it is about to put in place
    (names relative to the output), before they are: any problem and they are
    not, the full build runs and says it. The tiers plugin's leak audit
    connects here. Sent with no pages after each full build of livereload, so
    that a receiver may make ready what it needs.

pages_placed(settings, output=Path) -> list[Problem]
    Sent by livereload (quick.py) once pages of the public output changed in
    place: those of the quick path, or those put back after a failed build.
    The search plugin connects here (its index, kept up to date page by page
    while livereload runs); a problem is said, and the site stays as it is.

A receiver stays connected for the life of the process (blinker does not
forget it, and livereload and the tests run several builds): `gather` calls
only the receivers of the plugins the current build loaded.
"""

from __future__ import annotations

from typing import Protocol
from weakref import WeakKeyDictionary

from blinker import Signal, signal

from shared import Problem

site_staged = signal("nenufar_site_staged")
send_recipients = signal("nenufar_send_recipients")
content_refreshed = signal("nenufar_content_refreshed")
quick_pages = signal("nenufar_quick_pages")
pages_placed = signal("nenufar_pages_placed")


def gather(sent: Signal, pelican, **kwargs) -> list[Problem]:
    """The problems the receivers of the plugins loaded by `pelican` (or named by
    these settings) return."""
    loaded = set((pelican if isinstance(pelican, dict) else pelican.settings)["PLUGINS"])
    problems: list[Problem] = []
    for receiver in sent.receivers_for(pelican):
        if getattr(receiver, "__module__", "").partition(".")[0] in loaded:
            problems.extend(receiver(pelican, **kwargs))
    return problems


def first_answer(sent: Signal, settings: dict, **kwargs):
    """The first answer other than None from the receivers of the plugins in
    settings["PLUGINS"] (called with the settings as sender), or None."""
    loaded = set(settings["PLUGINS"])
    for receiver in sent.receivers_for(sent):
        if getattr(receiver, "__module__", "").partition(".")[0] in loaded:
            answer = receiver(settings, **kwargs)
            if answer is not None:
                return answer
    return None


# Work a plugin leaves running while the build goes on (Pagefind's indexing, the
# audit's reading of the sources), so that both cores stay busy. build.py opens
# the list before Pelican runs and settles it before the staged site is accepted;
# a plugin whose build did not open one (a bare Pelican run) does its work at once.
# Keyed weakly by the Pelican object: nothing outlives its build.
_background: WeakKeyDictionary = WeakKeyDictionary()


class Job(Protocol):
    def wait(self) -> list[Problem]: ...  # blocks until done; the problems found

    def cancel(self) -> None: ...  # the build failed: stop, leave nothing running


def open_background(pelican) -> None:
    _background[pelican] = {"pending": [], "problems": []}


def in_background(pelican, job: Job) -> bool:
    """Leave `job` running; False if this build cannot wait for it (then do the work now)."""
    jobs = _background.get(pelican)
    if jobs is None:
        return False
    jobs["pending"].append(job)
    return True


def background_open(pelican) -> bool:
    return pelican in _background


def settle(pelican) -> list[Problem]:
    """Wait for every job left running; the problems they found, all of them on each call."""
    jobs = _background.get(pelican)
    if jobs is None:
        return []
    while jobs["pending"]:
        jobs["problems"].extend(jobs["pending"].pop(0).wait())
    return list(jobs["problems"])


def abandon(pelican) -> None:
    """The build failed: stop whatever is still running."""
    jobs = _background.pop(pelican, None)
    for job in (jobs or {}).get("pending", ()):
        job.cancel()

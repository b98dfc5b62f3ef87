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

A receiver stays connected for the life of the process (blinker does not
forget it, and livereload and the tests run several builds): `gather` calls
only the receivers of the plugins the current build loaded.
"""

from __future__ import annotations

from blinker import Signal, signal

from shared import Problem

site_staged = signal("nenufar_site_staged")


def gather(sent: Signal, pelican, **kwargs) -> list[Problem]:
    """The problems the receivers of the plugins loaded by `pelican` return."""
    loaded = set(pelican.settings["PLUGINS"])
    problems: list[Problem] = []
    for receiver in sent.receivers_for(pelican):
        if getattr(receiver, "__module__", "").partition(".")[0] in loaded:
            problems.extend(receiver(pelican, **kwargs))
    return problems

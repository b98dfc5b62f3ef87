"""The plain `pelican` command builds what `invoke build` builds.

pelicanconf.py names this class in PELICAN_CLASS, so `pelican content -s
pelicanconf.py` (or publishconf.py) runs the same checked, audited, atomic
build (build.py) and exits non-zero with a French message on any problem,
instead of Pelican's own run, which logs errors and goes on.
"""

from __future__ import annotations

import sys

from .build import BuildError, build, failure_lines, prepared


class NenufarPelican:
    """Stands where Pelican's class stands for the `pelican` command."""

    def __init__(self, settings: dict):
        self.settings = settings

    def run(self) -> None:
        try:
            result = build(prepared(self.settings))  # the settings Pelican read, with the plugins' defaults
        except BuildError as error:
            for line in failure_lines(error):
                print(line, file=sys.stderr)
            # Not an exception: Pelican would print it with a traceback. Its
            # watch mode (-r) stops here too; `invoke livereload` keeps going.
            raise SystemExit(1) from None
        for warning in result.warnings:
            print(f"Avertissement : {warning}", file=sys.stderr)
        print(f"Site construit dans {result.output_path}/ : {result.summary()}.")

"""What every command of the author CLI shares: the project folder, two
consoles, settings loaded and checked, and the way a failure is said.

Each plugin keeps its commands in its own `cli.py` (invoke tasks that parse
arguments, call the plugin's functions and print what comes back, in French);
tasks.py gathers them. The project folder is the one holding tasks.py: tasks.py
puts it in invoke's configuration (`nenufar.root`), so a command run from a
copy of the project (the tests do) works on that copy.
"""

from __future__ import annotations

import functools
import inspect
import sys
from pathlib import Path

import invoke
from rich.console import Console

from shared import inert

from .build import BuildError, build, load_settings

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


_verbose = False  # set by each command's --verbose


def fail(message: str, problems=(), error: BaseException | None = None) -> None:
    """Say what went wrong (each problem may quote a stranger's text) and exit 1.
    With --verbose, the library's own words too: the exception our French
    message replaced (its cause or context), or `error` itself."""
    err.print(f"[bold red]Erreur[/]\u00a0: {message}")
    for problem in problems:
        err.print(f"  • {inert(problem)}")
    if _verbose and error is not None:
        detail = error.__cause__ or error.__context__ or error
        err.print(f"  Détail technique\u00a0: {inert(f'{type(detail).__name__}: {detail}')}")
    sys.exit(1)


def task(*args, **kwargs):
    """invoke's @task, with --verbose added to every command."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return task()(args[0])

    def decorate(func):
        signature = inspect.signature(func)
        verbose = inspect.Parameter("verbose", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False)

        @functools.wraps(func)
        def body(c, *positional, verbose=False, **named):
            global _verbose
            _verbose = bool(verbose)
            return func(c, *positional, **named)

        body.__signature__ = signature.replace(parameters=[*signature.parameters.values(), verbose])
        help = {**(kwargs.get("help") or {}), "verbose": "montre aussi le détail technique d’une erreur "
                                                         "(les mots de la bibliothèque en cause, souvent en anglais)"}
        return invoke.task(*args, **{**kwargs, "help": help})(body)

    return decorate


def warn(message: str) -> None:
    err.print(f"[yellow]Avertissement[/]\u00a0: {inert(message)}")


class Project:
    """The project a command runs on: its folder, its settings, its paths as shown."""

    def __init__(self, c):
        self.root = Path(c.config.nenufar.root)

    def settings(self, conf: str = "pelicanconf.py", **overrides) -> dict:
        try:
            return load_settings(str(self.root / conf), overrides)
        except BuildError as error:
            fail(f"réglages incorrects dans {conf}\u00a0:", error.problems)

    def path(self, relative) -> Path:
        return self.root / relative

    def shown(self, path) -> Path:
        """A path as the author thinks of it: relative to the project when inside it."""
        path = Path(path)
        return path.relative_to(self.root) if path.is_relative_to(self.root) else path


def build_or_fail(settings: dict, failure: str | None = None):
    """Build with a spinner; on failure say every problem and exit, the previous site untouched."""
    with console.status("Construction du site…", spinner="dots"):
        try:
            result = build(settings)
        except BuildError as error:
            count = len(error.problems)
            fail(failure or f"la construction a échoué ({count} problème{'s' if count > 1 else ''})\u202f; "
                            "le site précédent est resté en place.", error.problems)
    for warning in result.warnings:
        warn(warning)
    return result

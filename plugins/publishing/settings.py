"""Settings, prepared once: Pelican's file, then every plugin's defaults, checked.

Each plugin package exposes, in its public `__init__` (the values live in its
config.py):
- `DEFAULTS`, the one table of its settings with their default values;
- `PREFIXES` (optional): a setting whose name starts with one of them must be
  a key of some table, so a misspelt name fails instead of being ignored;
- `TYPES` (optional): the type of a setting whose default is None (otherwise
  None means « None or a text », and any other default gives its own type);
- `REFUSED` (optional): settings that must not be written, with the reason;
- `check_settings(settings) -> list[Problem]` (optional): checks on values.

`prepare` merges the tables of the plugins named in PLUGINS, and always the
publishing table (settings several plugins read: it is loaded by every build),
under the author's values, in a new dict; then it checks them all. It runs where
settings enter the house: `publishing.build.load_settings` (the CLI, the tests)
and `NenufarPelican` (the plain `pelican` command, whose settings Pelican read).
Code then indexes `settings["KEY"]`: the default is written once, in the table.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType

from pelican.settings import DEFAULT_CONFIG

from shared import Problem


@dataclass(frozen=True)
class Table:
    """One plugin's settings, as its package declares them."""

    plugin: str
    defaults: dict
    prefixes: tuple[str, ...] = ()
    types: dict = field(default_factory=dict)
    refused: dict = field(default_factory=dict)
    check: object = None  # check_settings(settings) -> list[Problem], or None

    @classmethod
    def of(cls, module: ModuleType) -> "Table | None":
        defaults = getattr(module, "DEFAULTS", None)
        if defaults is None:
            return None
        return cls(module.__name__, defaults, tuple(getattr(module, "PREFIXES", ())),
                   dict(getattr(module, "TYPES", {})), dict(getattr(module, "REFUSED", {})),
                   getattr(module, "check_settings", None))


def tables(settings: dict) -> list[Table]:
    """The tables of the plugins in PLUGINS, the publishing one first. A plugin
    that cannot be imported has none here; the build names it."""
    found = []
    for plugin in ["publishing", *[p for p in settings.get("PLUGINS") or () if p != "publishing"]]:
        if isinstance(plugin, str):
            try:
                plugin = import_module(plugin)
            except ImportError:
                continue
        table = Table.of(plugin)
        if table is not None:
            found.append(table)
    return found


_KINDS = ((bool, "True ou False"), (int, "un nombre entier"), (str, "un texte"),
          ((list, tuple), "une liste"), (dict, "un dictionnaire"))


def _expected(table: Table, key: str):
    """The type(s) a value of `key` may have, and their French name."""
    default = table.defaults[key]
    wanted = table.types.get(key, str if default is None else type(default))
    if wanted in (list, tuple):
        wanted = (list, tuple)
    if wanted is float:
        return (int, float), "un nombre"
    names = [words for kind, words in _KINDS
             if kind == wanted or (isinstance(wanted, tuple) and isinstance(kind, type) and kind in wanted)]
    return wanted, " ou ".join(names) or str(wanted)


def _fits(value, wanted) -> bool:
    if isinstance(value, bool) and wanted is not bool and bool not in (wanted if isinstance(wanted, tuple) else ()):
        return False  # True is an int to Python, not to an author
    return isinstance(value, wanted)


def problems_in(settings: dict, found: list[Table], source: str) -> list[Problem]:
    """Unknown names under a plugin's prefix, refused names, values of the wrong type."""
    known = set(DEFAULT_CONFIG)
    for table in found:
        known |= set(table.defaults)
    prefixes = tuple(p for table in found for p in table.prefixes)
    refused = {key: why for table in found for key, why in table.refused.items()}
    problems = []
    for key in sorted(settings):
        if key in refused:
            problems.append(Problem(source, None, f"{key}\u00a0: {refused[key]}"))
        elif key.startswith(prefixes) and key not in known:
            hint = difflib.get_close_matches(key, sorted(k for k in known if k.startswith(prefixes)), n=1)
            suggestion = f"\u202f; vouliez-vous dire «\u202f{hint[0]}\u202f»\u202f?" if hint else ""
            problems.append(Problem(source, None, f"réglage inconnu «\u202f{key}\u202f»{suggestion}"))
    for table in found:
        for key, value in table.defaults.items():
            if key not in settings or (value is None or key in table.types) and settings[key] is None:
                continue
            wanted, name = _expected(table, key)
            if not _fits(settings[key], wanted):
                problems.append(Problem(source, None, f"{key} doit être {name}, pas {settings[key]!r}"))
    return problems


def prepare(settings: dict, source: str = "pelicanconf.py") -> tuple[dict, list[Problem]]:
    """A new dict: the defaults of every table under the author's values; and
    every problem with them (none: the settings are ready)."""
    found = tables(settings)
    merged = dict(settings)
    for table in found:
        for key, value in table.defaults.items():
            if key not in merged:
                merged[key] = copy.deepcopy(value)  # a build that changes its list leaves the table alone
    problems = problems_in(settings, found, source)
    if not problems:  # a value's own checks assume its type is right
        for table in found:
            if table.check is not None:
                problems.extend(table.check(merged))
    return merged, problems

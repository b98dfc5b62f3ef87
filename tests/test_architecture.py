"""The shape of the house: dependencies between the packages of plugins/ run one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
PACKAGES = sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())


# Feature plugins may use publishing and shared; publishing only shared; shared none.
FOUNDATIONS = {"shared": set(), "publishing": {"shared"}}
# Still importing other packages' modules rather than their public __init__
# (issue 11 moves reactions to `from shared import write_atomic`, `from longform import date_fr`).
PENDING: set[str] = set()


def import_lines(package: str):
    """(imported module, file:line) for every import in the package, those inside
    functions included (a lazy import is a dependency too)."""
    for path in sorted((PLUGINS / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield name, f"{path.relative_to(ROOT)}:{node.lineno}"


def imports(package: str) -> dict[str, set[str]]:
    """{other top-level module: {file:line, …}}."""
    found: dict[str, set[str]] = {}
    for name, where in import_lines(package):
        top = name.partition(".")[0]
        if top != package:
            found.setdefault(top, set()).add(where)
    return found


GRAPH = {package: {name: where for name, where in imports(package).items() if name in PACKAGES}
         for package in PACKAGES}


def cycle() -> list[str]:
    """One import cycle between plugin packages, as a path, or []."""
    state: dict[str, str] = {}

    def visit(package: str, path: list[str]) -> list[str]:
        state[package] = "open"
        for other in sorted(GRAPH[package]):
            if state.get(other) == "open":
                return path + [package, other]
            if other not in state:
                found = visit(other, path + [package])
                if found:
                    return found
        state[package] = "done"
        return []

    for package in PACKAGES:
        if package not in state:
            found = visit(package, [])
            if found:
                return found
    return []


def test_no_import_cycle_between_plugin_packages():
    found = cycle()
    details = [f"{a} -> {b}: {sorted(GRAPH[a][b])}" for a, b in zip(found, found[1:])]
    assert not found, "import cycle: " + " -> ".join(found) + "\n" + "\n".join(details)


def test_the_cycle_finder_finds_a_cycle():
    saved = dict(GRAPH)
    try:
        GRAPH.update({"shared": {"publishing": {"x"}}, "publishing": {"shared": {"y"}}})
        assert cycle()[-2:] in (["shared", "publishing"], ["publishing", "shared"])
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def test_shared_is_free_of_pelican_and_of_the_plugins():
    found = imports("shared")
    assert "pelican" not in found, found["pelican"]


def test_dependencies_run_from_features_to_publishing_to_shared():
    for package, allowed in FOUNDATIONS.items():
        wrong = {other: sorted(where) for other, where in GRAPH[package].items() if other not in allowed}
        assert not wrong, f"{package} imports {wrong}"


def test_packages_meet_through_their_public_init():
    """`from tiers import TierSplit`, never `from tiers.split import TierSplit`."""
    wrong = [f"{where}: {name}" for package in sorted(set(PACKAGES) - PENDING)
             for name, where in import_lines(package)
             if "." in name and name.partition(".")[0] in PACKAGES and name.partition(".")[0] != package]
    assert not wrong, "\n".join(wrong)

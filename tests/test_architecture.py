"""The shape of the house: dependencies between the packages of plugins/ run one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
PACKAGES = sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())


def imports(package: str) -> dict[str, set[str]]:
    """{other top-level module: {file:line, …}} for every import in the package,
    those inside functions included (a lazy import is a dependency too)."""
    found: dict[str, set[str]] = {}
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
                top = name.partition(".")[0]
                if top != package:
                    found.setdefault(top, set()).add(f"{path.relative_to(ROOT)}:{node.lineno}")
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
    assert not set(found) & set(PACKAGES), {k: v for k, v in found.items() if k in PACKAGES}

"""Writing a file so that a reader (or a crash) never sees half of it."""

from __future__ import annotations

from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write next to `path`, then rename over it: the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    if isinstance(data, str):
        temporary.write_text(data, encoding="utf-8")
    else:
        temporary.write_bytes(data)
    temporary.replace(path)

"""Kept for the reactions package, which imports `write_atomic` from here; the
function lives in shared.files (remove this file once reactions imports it there)."""

from shared import write_atomic  # noqa: F401

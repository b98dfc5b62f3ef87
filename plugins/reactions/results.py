"""What a fetch tells, as values: one `SourceResult` per source, a `Report` for the run.

A source's failure is a value, never an exception out of the batch: the CLI
renders these (French text included here, so that tests read the same words)
and exits non-zero only when `Report.failed` is not empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from longform import date_fr
from shared import number_fr, plural

from .store import Source

Status = Literal["ok", "not-modified", "skipped", "merged", "error"]
OK: Final = "ok"
NOT_MODIFIED: Final = "not-modified"  # 304: nothing new
SKIPPED: Final = "skipped"  # not asked this time: waiting (Retry-After, backoff) or disabled (410)
MERGED: Final = "merged"  # redirected permanently to another source of the list
ERROR: Final = "error"
Step = Literal["fetch", "decode", "parse", "match", "store", ""]
# The steps of one source, named in French in its error.
STEPS = {"fetch": "relève", "decode": "décodage", "parse": "analyse", "match": "rapprochement",
         "store": "enregistrement"}


def when_fr(moment: dt.datetime | None, zone: dt.tzinfo = dt.timezone.utc) -> str:
    """« 21 novembre 2026 à 10 h 30 », in the site's time zone."""
    if moment is None:
        return "jamais"
    local = moment.astimezone(zone)
    return f"{date_fr(local)} à {local.hour}\u00a0h\u00a0{local.minute:02d}"


@dataclass(frozen=True)
class SourceResult:
    source: Source
    status: Status
    added: int = 0  # new entries stored
    read: int = 0  # entries read from the feed
    error: str = ""  # French: why the source failed (ERROR) or was not asked (SKIPPED)
    step: Step = ""  # where it failed: a key of STEPS
    unexpected: bool = False  # a failure nobody foresaw (a bug to report), caught all the same
    notes: tuple[str, ...] = field(default_factory=tuple)  # French: what the author should know

    @property
    def failed(self) -> bool:
        return self.status == ERROR


@dataclass(frozen=True)
class Report:
    results: tuple[SourceResult, ...]

    @property
    def failed(self) -> tuple[SourceResult, ...]:
        return tuple(r for r in self.results if r.failed)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)

    def summary(self) -> str:
        """One French sentence for the whole run."""
        waiting = self.count(SKIPPED)
        text = (f"{plural(len(self.results), 'source')}\u00a0: {plural(self.count(OK), 'lue')}, "
                f"{plural(self.count(NOT_MODIFIED), 'inchangée')}, {number_fr(waiting)} en attente ou "
                f"{'désactivée' if waiting < 2 else 'désactivées'}, {number_fr(self.count(ERROR))} en erreur")
        if self.count(MERGED):
            text += f", {plural(self.count(MERGED), 'fusionnée')} avec une autre"
        return text + f"\u202f; {plural(self.added, 'nouvelle entrée')}."

    def closing(self) -> str | None:
        """French: why the command ends in error, or None."""
        if not self.failed:
            return None
        count = len(self.failed)
        others = ("les autres ont été relevées" if count < len(self.results)
                  else "aucune n’a pu être relevée")
        return (f"{plural(count, 'source')} en échec\u202f; {others} "
                "(«\u202finvoke reactions.status\u202f» garde la dernière erreur de chacune).")

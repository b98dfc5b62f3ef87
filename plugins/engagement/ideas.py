"""`invoke ideas.export`: the approved ideas and their votes, written to content/
for the next build (content/idees.json), with the « Vos idées » page created
the first time (content/pages/vos-idees.md, which the author may rewrite)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared import write_atomic

from . import store

PAGE = "vos-idees.md"
PAGE_TEXT = ("Title: Vos idées\nSlug: vos-idees\nTemplate: idees\n"
             "Summary: Les sujets que vous aimeriez lire ici, et vos votes.\n\n"
             "Quel sujet aimeriez-vous voir traité dans un prochain article\u202f? Proposez-le, votez pour ceux "
             "des autres\u00a0: les idées les plus attendues passent en premier.\n")


@dataclass(frozen=True)
class Exported:
    data: Path
    ideas: int
    votes: int
    page: Path | None  # the page, when this export created it


def export_ideas(engine, content: Path, data_name: str, pages_folder: str = "pages") -> Exported:
    approved = store.list_ideas(engine, "approved")
    data = {"ideas": [{"id": i.id, "title": i.title, "body": i.body, "author": i.author, "votes": i.votes}
                      for i in approved]}
    path = content / data_name
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    page = content / pages_folder / PAGE
    created = None
    if not page.exists():
        page.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(page, PAGE_TEXT)
        created = page
    return Exported(path, len(approved), sum(i.votes for i in approved), created)

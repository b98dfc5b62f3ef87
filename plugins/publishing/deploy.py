"""`invoke publish`: copy the built public site to its host with rsync."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


DRAFTS = "brouillons"  # where pelicanconf.py previews drafts (DRAFT_SAVE_AS)


class DeployError(Exception):
    pass


def publish_target(settings: dict) -> str:
    target = os.environ.get("NENUFAR_PUBLISH_TARGET") or settings["PUBLISH_TARGET"]
    if not target:
        raise DeployError(
            "aucune destination : définissez PUBLISH_TARGET dans publishconf.py "
            "ou la variable d’environnement NENUFAR_PUBLISH_TARGET "
            "(par exemple claire@serveur:/var/www/nenufar/)"
        )
    return target


def rsync_command(output: Path, target: str, dry_run: bool = False) -> list[str]:
    # output/ only: private/ and reactions/ never leave the machine; nor do draft
    # previews (publishconf.py writes none; a copy left on the host is removed).
    command = ["rsync", "--archive", "--compress", "--checksum", "--delete", "--delete-excluded",
               "--exclude", f"/{DRAFTS}/", "--human-readable", "--itemize-changes"]
    if dry_run:
        command.append("--dry-run")
    return command + [f"{str(output).rstrip('/')}/", target]


def publish(output: Path, target: str, dry_run: bool = False) -> subprocess.CompletedProcess:
    if shutil.which("rsync") is None:
        raise DeployError("rsync est introuvable : installez-le (apt-get install rsync)")
    if not (output / "index.html").exists():
        raise DeployError(f"{output}/index.html manque : le site n’est pas construit")
    result = subprocess.run(rsync_command(output, target, dry_run), capture_output=True, text=True, encoding="utf-8", errors="replace")
    if result.returncode != 0:
        raise DeployError(f"rsync a échoué ({result.returncode}) : {result.stderr.strip()}")
    return result

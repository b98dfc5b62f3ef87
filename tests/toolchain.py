"""What the test suite needs beyond Python packages, installed on demand.

`invoke test` calls ensure_toolchain(): npm packages from package-lock.json
(Nu Html Checker, axe-core), and as root on Debian the system packages the
browser and publishing tests use (chromium, rsync, a Java runtime). Without
root the related tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEBIAN_PACKAGES = {  # command -> Debian package
    "/usr/bin/chromium": "chromium",
    "rsync": "rsync",
    "java": "default-jre-headless",
}


def _missing_debian_packages() -> list[str]:
    missing = []
    for command, package in DEBIAN_PACKAGES.items():
        found = Path(command).exists() if command.startswith("/") else shutil.which(command)
        if not found:
            missing.append(package)
    return missing


ISSO_VENV = ROOT / ".venv-isso"
ISSO_REQUIREMENTS = ROOT / "tests" / "isso" / "requirements.txt"


def ensure_isso(say=print) -> None:
    """A real Isso server for the live-comments test, in a virtual environment of its own."""
    stamp = ISSO_VENV / ".requirements.txt"
    if stamp.exists() and stamp.read_text() == ISSO_REQUIREMENTS.read_text():
        return
    say("Installation d’Isso pour le test des commentaires en direct…")
    try:
        subprocess.run([shutil.which("python3") or "python3", "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run([str(ISSO_VENV / "bin" / "pip"), "install", "-q", "-r", str(ISSO_REQUIREMENTS)], check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        say(f"Isso n’a pas pu être installé ({error}) : le test des commentaires en direct sera ignoré.")
        return
    stamp.write_text(ISSO_REQUIREMENTS.read_text())


def ensure_toolchain(say=print) -> None:
    ensure_isso(say)
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".package-lock.json"
    if shutil.which("npm") and (not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime):
        say("Installation des validateurs (npm ci)…")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=ROOT, check=True)
    missing = _missing_debian_packages()
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"Installation des paquets Debian : {', '.join(missing)}…")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    else:
        say(f"Paquets absents, tests correspondants ignorés : {', '.join(missing)}")

"""What the test suite needs beyond Python packages, installed on demand.

`invoke test` calls ensure_toolchain(): npm packages from package-lock.json
(Nu Html Checker, axe-core), and as root on Debian the system packages the
browser, publishing and engagement tests use (chromium, rsync, a Java runtime,
PostgreSQL, ab). Without
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
    "/usr/lib/postgresql": "postgresql",  # the engagement service's tests on PostgreSQL
    "ab": "apache2-utils",  # bench/engagement_bench.py
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


FEED_CORPUS = ROOT / ".corpus" / "feedparser-tests"


def ensure_feed_corpus(say=print) -> None:
    """feedparser's own test feeds (well-formed, ill-formed, encodings, entities,
    sanitiser payloads), from the source archive of the pinned feedparser on PyPI:
    outside material the reactions parser must survive."""
    if FEED_CORPUS.exists():
        return
    import re
    import sys
    import tarfile
    import tempfile

    pinned = re.search(r"^feedparser==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    say(f"Téléchargement des flux de test de feedparser {pinned}…")
    with tempfile.TemporaryDirectory() as folder:
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"feedparser=={pinned}", "-d", folder], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            say(f"Flux de test de feedparser indisponibles ({error}) : le test du corpus sera ignoré.")
            return
        archive = next(Path(folder).glob("feedparser-*.tar.gz"))
        staging = Path(tempfile.mkdtemp(dir=ROOT, prefix=".corpus-"))
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if "/tests/" in m.name and m.isfile()]
            tar.extractall(staging, members=members, filter="data")
        FEED_CORPUS.parent.mkdir(exist_ok=True)
        next(staging.glob("feedparser-*/tests")).rename(FEED_CORPUS)
        shutil.rmtree(staging)


def ensure_toolchain(say=print) -> None:
    ensure_isso(say)
    ensure_feed_corpus(say)
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

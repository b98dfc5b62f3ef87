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
PELICAN_SAMPLES = ROOT / ".corpus" / "pelican-samples"


def _from_sdist(package: str, inside: str, target: Path, what: str, say=print) -> None:
    """The folder `inside` (e.g. "tests") of the source archive of the pinned
    `package` on PyPI, extracted to `target` once; said and skipped if offline."""
    if target.exists():
        return
    import re
    import sys
    import tarfile
    import tempfile

    pinned = re.search(rf"^{package}==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    say(f"Téléchargement {what} ({package} {pinned})…")
    with tempfile.TemporaryDirectory() as folder:
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"{package}=={pinned}", "-d", folder], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            say(f"Indisponible ({error})\u00a0: les tests qui en ont besoin seront ignorés.")
            return
        archive = next(Path(folder).glob(f"{package}-*.tar.gz"))
        staging = Path(tempfile.mkdtemp(dir=ROOT, prefix=".corpus-"))
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if f"/{inside}/" in m.name and m.isfile()]
            tar.extractall(staging, members=members, filter="data")
        target.parent.mkdir(exist_ok=True)
        next(staging.glob(f"{package}-*/{inside}")).rename(target)
        shutil.rmtree(staging)


def ensure_feed_corpus(say=print) -> None:
    """feedparser's own test feeds (well-formed, ill-formed, encodings, entities,
    sanitiser payloads): outside material the reactions parser must survive."""
    _from_sdist("feedparser", "tests", FEED_CORPUS, "des flux de test de feedparser", say)


def ensure_pelican_samples(say=print) -> None:
    """Pelican's own sample site (reST, Markdown, translations, static files,
    {filename} links): a Pelican blog moving in."""
    _from_sdist("pelican", "samples", PELICAN_SAMPLES, "du site d’exemple de Pelican", say)


def ensure_toolchain(say=print) -> None:
    ensure_isso(say)
    ensure_feed_corpus(say)
    ensure_pelican_samples(say)
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

"""Images that only reserved parts show never reach the public output in clear.

Once every text is read (`all_generators_finalized`), each static file of
the build (`StaticGenerator.staticfiles`) is sorted by where it is
referenced:
- public material: the public `_content`, summary and metadata of every
  article, draft, hidden article, page and newsletter issue, every string
  setting (SOCIAL_IMAGE…) and every file of the theme (templates, CSS, JS);
- reserved material: the HTML of the gated parts (`tier_split.gated`).
A file referenced from public material, or from nothing at all, stays
public. A file referenced from reserved parts only is *reserved*: it is taken
out of what the static generator copies to OUTPUT_PATH and copied in clear to
PRIVATE_OUTPUT_PATH under its `save_as`, for the private feeds and the email
editions. When the build can seal a part that shows it, the image is sealed
with the content key of the shallowest tier that references it (AES-256-GCM,
fresh 96-bit nonce, associated data `img:<tier>`, see `Vault.seal_bytes`) and
written as `<THEME_STATIC_DIR>/scelles/<random hex>.bin` (nonce then
ciphertext and tag); the sealed HTML of the part carries, instead of the clear
address, `data-sealed-src` (or `data-sealed-href` on a link), `data-sealed-type`
(MIME type) and `data-sealed-tier`, which theme/static/js/tiers.js opens.

References are read as authors and templates write them: `{static}/images/x.png`,
`{static}images/x.png`, `{attach}…`, `{filename}…`, `/images/x.png`,
`images/x.png`, `../images/x.png` or `SITEURL/images/x.png`.
"""

from __future__ import annotations

import functools
import html
import logging
import mimetypes
import os
import posixpath
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from publishing import contents
from shared import strings

log = logging.getLogger(__name__)

SEALED_DIR = "scelles"  # under THEME_STATIC_DIR
SEALED_SUFFIX = ".bin"

# A reference in any text: an optional Pelican link marker, then a run of
# characters that can belong to an address.
_DELIMITERS = r"\s\"'<>(){}\[\]\\`|,;*"
_REFERENCE = re.compile(rf"(?:[{{|](?:static|attach|filename)[|}}])?[^{_DELIMITERS}]+")
_MARKER = re.compile(r"^[{|](static|attach|filename)[|}]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
                  r"(\s*/?)>")
_ATTRIBUTE = re.compile(r"([^\s=/>\"']+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_SRCSET = ("srcset", "imagesrcset")
_FEW = 24  # up to this many file names, a text is first searched for each of them
# Settings that describe files rather than show them: not references.
_NOT_REFERENCES = ("STATIC_PATHS", "STATIC_EXCLUDES", "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "PAGE_PATHS",
                   "PAGE_EXCLUDES", "THEME_TEMPLATES_OVERRIDES", "IGNORE_FILES", "EXTRA_PATH_METADATA", "PATH",
                   "OUTPUT_PATH", "PRIVATE_OUTPUT_PATH", "CACHE_PATH", "PLUGIN_PATHS", "THEME", "THEME_STATIC_PATHS")
_TEXT_SUFFIXES = (".html", ".htm", ".xml", ".j2", ".jinja", ".jinja2", ".css", ".js", ".mjs", ".json", ".txt",
                  ".svg", ".webmanifest")
@functools.lru_cache(maxsize=8)
def _suffix_pattern(suffixes: frozenset) -> re.Pattern:
    """References that end with one of `suffixes` (and maybe ?query or #fragment):
    the regex engine skips every other word of a text."""
    ends = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    return re.compile(rf"(?:[{{|](?:static|attach|filename)[|}}])?[^{_DELIMITERS}]*?(?:{ends})"
                      rf"(?:[?#][^{_DELIMITERS}]*)?(?![^{_DELIMITERS}])", re.I)


def _pattern(names: frozenset) -> re.Pattern:
    suffixes = frozenset(posixpath.splitext(n)[1] for n in names)
    if "" in suffixes:  # a file without an extension: every word may name it
        return _REFERENCE
    return _suffix_pattern(suffixes)


def file_name(token: str) -> str:
    """The last segment of an address, cheaply: « …/images/x.png?v=2 » gives « x.png »."""
    name = token.rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    if name.startswith(("{", "|")):
        name = _MARKER.sub("", name)
    return unquote(name) if "%" in name else name


def _keys(static) -> set[str]:
    """The paths a static file is known by: its source, where it is written, its address."""
    return {k for k in (static.relative_source_path, static.save_as, unquote(static.url or "")) if k}


def _names(static) -> set[str]:
    return {posixpath.basename(k) for k in _keys(static)}


def _normal(path: str) -> str:
    """« ./a/../images/x.png » gives « images/x.png »; leading « ../ » are dropped."""
    path = posixpath.normpath(path) if path else ""
    while path.startswith("../"):
        path = path[3:]
    return "" if path in (".", "..") else path


@dataclass
class ReservedImage:
    """A static file shown only by reserved parts."""

    static: object  # pelican.contents.Static
    tier: str  # the shallowest tier whose parts show it
    mime: str
    private_path: Path | None = None  # its clear copy, once written
    sealed_url: str | None = None  # its sealed blob, relative to the site root, once sealed

    @property
    def source(self) -> Path:
        return Path(self.static.source_path)

    def keys(self) -> set[str]:
        """Its addresses as of now ({attach} may have moved it since it was found)."""
        return _keys(self.static)


class Resolver:
    """Turns what a text writes into the static file it means, if any."""

    def __init__(self, statics, settings: dict):
        self.settings = settings
        self.by_key: dict[str, object] = {}
        for static in statics:
            for key in sorted(_keys(static)):
                self.by_key.setdefault(key, static)
        self.names = {posixpath.basename(k) for k in self.by_key}
        self._among = None  # (set of statics, their names), for in_text(among=…)
        self._pattern = None  # (names, the pattern of their references)
        self.prefixes = []
        for name in ("SITEURL", "FEED_DOMAIN", "PRIVATE_SITEURL"):
            value = str(settings.get(name) or "").rstrip("/")
            if value and value not in self.prefixes:
                self.prefixes.append(value)
        site_path = urlparse(str(settings.get("SITEURL") or "")).path.strip("/")
        self.site_path = f"{site_path}/" if site_path else ""

    def keys_for(self, token: str, item=None) -> list[str]:
        """The content-relative paths `token` may stand for."""
        token = token.strip()
        what = None
        match = _MARKER.match(token)
        if match:
            what, token = match.group(1), token[match.end():]
        else:
            for prefix in self.prefixes:
                if token == prefix or token.startswith(prefix + "/"):
                    token = token[len(prefix):]
                    break
            else:
                if _SCHEME.match(token) or token.startswith("//"):
                    return []  # another site, or mailto:, data:, cid:…
        path = unquote(urlparse(token).path)
        relative_dir = getattr(item, "relative_dir", "") if item is not None else ""
        keys = []
        if path.startswith("/"):
            path = path.lstrip("/")
            if self.site_path and path.startswith(self.site_path):
                keys.append(_normal(path[len(self.site_path):]))
            keys.append(_normal(path))
        else:
            if relative_dir:
                keys.append(_normal(posixpath.join(relative_dir, path)))
            keys.append(_normal(path))
            if what is None and item is not None and getattr(item, "url", None):
                keys.append(_normal(posixpath.join(posixpath.dirname(item.url), path)))
        return [k for k in dict.fromkeys(keys) if k]

    def find(self, token: str, item=None):
        if file_name(token) not in self.names:
            return None
        for key in self.keys_for(token, item):
            static = self.by_key.get(key)
            if static is not None:
                return static
        return None

    def _patterns(self, names) -> re.Pattern:
        if self._pattern is None or self._pattern[0] is not names:
            self._pattern = (names, _pattern(frozenset(names)))
        return self._pattern[1]

    def _names_among(self, among) -> set[str]:
        if self._among is None or self._among[0] is not among:
            self._among = (among, {n for s in among for n in _names(s)})
        return self._among[1]

    def in_text(self, text: str, item=None, among: set | None = None) -> set:
        """The static files a text refers to, wherever (attributes, metadata, CSS);
        with `among`, only those of them (each address still resolved as usual)."""
        found = set()
        names = self.names if among is None else self._names_among(among)
        if not text or not names:
            return found
        text = html.unescape(str(text))
        if len(names) <= _FEW and not any(name in unquote(text) for name in names):
            return found  # the usual case, at the speed of `in`
        for match in self._patterns(names).finditer(text):
            token = match.group(0)
            if file_name(token) not in names:
                continue
            static = self.find(token, item)
            if static is not None and (among is None or static in among):
                found.add(static)
        return found


def _theme_texts(settings: dict):
    theme = settings.get("THEME")
    folders = [Path(theme)] if theme else []
    folders += [Path(p) for p in settings.get("THEME_TEMPLATES_OVERRIDES") or ()]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in _TEXT_SUFFIXES:
                yield path.read_text(encoding="utf-8", errors="ignore")


def public_texts(generators, settings: dict):
    """(item or None, text) of everything the public site may show."""
    for item in contents(generators):
        yield item, getattr(item, "_content", None)
        yield item, getattr(item, "_summary", None)
        for key, value in (getattr(item, "metadata", None) or {}).items():
            if key != "tier_split":
                for text in strings(value):
                    yield item, text
    for key, value in settings.items():
        if key.isupper() and key not in _NOT_REFERENCES:
            for text in strings(value):
                yield None, text
    for text in _theme_texts(settings):
        yield None, text


@dataclass
class ReservedImages:
    """What one build found; shared as `context["tier_images"]`."""

    settings: dict
    resolver: Resolver
    images: dict[str, ReservedImage] = field(default_factory=dict)  # by source path
    blobs: dict[str, bytes] = field(default_factory=dict)  # sealed url -> bytes, written by write_sealed
    _by_key: dict | None = field(default=None, repr=False)
    _names: set = field(default_factory=set, repr=False)

    def __bool__(self) -> bool:
        return bool(self.images)

    def settle(self) -> None:
        """Index the images by their addresses; again after {attach} has moved any."""
        self._by_key = {k: image for image in self.images.values() for k in image.keys()}
        self._names = {posixpath.basename(k) for k in self._by_key}

    def image(self, value: str, item=None) -> ReservedImage | None:
        """The reserved image an address in rendered HTML points to, if any."""
        if not self.images:
            return None
        if self._by_key is None:
            self.settle()
        value = html.unescape(value)
        if file_name(value) not in self._names:
            return None
        for key in self.resolver.keys_for(value, item):
            if key in self._by_key:
                return self._by_key[key]
        return None

    def rewrite(self, text: str, change, item=None) -> str:
        """Rewrite every tag that points to a reserved image.

        `change(tag, attribute, image)` returns the attributes that take the
        place of `attribute` (a list of (name, value); empty drops it). In a
        `srcset` pointing to a reserved image, the whole attribute goes.
        """
        if not self.images or not text:
            return text

        def tag(match):
            name = match.group(1).lower()
            attributes = [(m.group(1), m.group(2)) for m in _ATTRIBUTE.finditer(match.group(2) or "")]
            rebuilt, changed = [], False
            for attribute, raw in attributes:
                value = html.unescape(raw[1:-1] if raw and raw[0] in "\"'" else raw or "")
                if raw is not None and attribute.lower() in _SRCSET:
                    candidates = [c.strip().split()[0] for c in value.split(",") if c.strip()]
                    if any(self.image(c, item) for c in candidates):
                        changed = True
                        continue
                image = self.image(value, item) if raw is not None and value else None
                if image is None:
                    rebuilt.append((attribute, raw))
                    continue
                changed = True
                rebuilt += [(n, f'"{html.escape(v, quote=True)}"') for n, v in change(name, attribute.lower(), image)]
            if not changed:
                return match.group(0)
            inner = "".join(f" {n}" if v is None else f" {n}={v}" for n, v in rebuilt)
            return f"<{match.group(1)}{inner}{match.group(3)}>"

        return _TAG.sub(tag, text)

    # Sealing -------------------------------------------------------------

    def seal_html(self, text: str, vault, item=None, siteurl: str = "") -> str:
        """The HTML of a part about to be sealed: reserved images as sealed blobs."""

        def change(tag, attribute, image):
            if tag not in ("img", "a") or attribute not in ("src", "href"):
                return []  # poster, data…: not shown until opened
            url = self.sealed(image, vault)
            if url is None:  # this build cannot seal that tier: the image stays out
                return []
            kind = "src" if tag == "img" else "href"
            return [(f"data-sealed-{kind}", _join(self.settings, siteurl, url)),
                    ("data-sealed-type", image.mime), ("data-sealed-tier", image.tier)]

        return self.rewrite(text, change, item)

    def sealed(self, image: ReservedImage, vault) -> str | None:
        """The address (from the site root) of `image` sealed, sealing it once."""
        if image.sealed_url is None:
            if vault is None or not vault.can_open(image.tier):
                return None
            data = vault.seal_bytes(image.tier, image.source.read_bytes(), image_ad(image.tier))
            folder = str(self.settings.get("THEME_STATIC_DIR") or "theme").strip("/")
            image.sealed_url = f"{folder}/{SEALED_DIR}/{secrets.token_hex(16)}{SEALED_SUFFIX}"
            self.blobs[image.sealed_url] = data
        return image.sealed_url

    def write_sealed(self, output: Path) -> list[Path]:
        folder = output / str(self.settings.get("THEME_STATIC_DIR") or "theme").strip("/") / SEALED_DIR
        if folder.is_dir():  # blobs of an earlier build into the same folder: their keys are gone
            for old in folder.glob(f"*{SEALED_SUFFIX}"):
                old.unlink()
        written = []
        for url, data in self.blobs.items():
            path = output / url
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
        return written

    # Private copies --------------------------------------------------------

    def copy_private(self, private: Path) -> list[Path]:
        written = []
        for image in self.images.values():
            target = private / image.static.save_as
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image.source, target)
            image.private_path = target
            written.append(target)
        return written

    def private_html(self, text: str, base: str, item=None) -> str:
        """Reserved images pointed to their clear copy: `base` is PRIVATE_SITEURL, or
        the relative way from the file being written to PRIVATE_OUTPUT_PATH."""

        def change(tag, attribute, image):
            return [(attribute, f"{base.rstrip('/')}/{image.static.save_as}")]

        return self.rewrite(text, change, item)


def image_ad(tier_id: str) -> bytes:
    """Associated data of a sealed image: distinct from a part's (the bare tier id)."""
    return f"img:{tier_id}".encode()


def _join(settings: dict, siteurl: str, url: str) -> str:
    """`url` (from the site root) as the page addresses it, as Pelican joins links."""
    if settings.get("RELATIVE_URLS"):
        return posixpath.join(siteurl or ".", url)
    return urljoin(siteurl if siteurl.endswith("/") else siteurl + "/", url)


def find_reserved(generators, settings: dict, ladder) -> ReservedImages:
    """Sort the static files of the build; see the module's docstring."""
    static_generator = next((g for g in generators if hasattr(g, "staticfiles")), None)
    statics = list(getattr(static_generator, "staticfiles", None) or ())
    resolver = Resolver(statics, settings)
    found = ReservedImages(settings, resolver)
    if not statics:
        return found
    reserved: dict[object, str] = {}
    for item in contents(generators):
        split = getattr(item, "tier_split", None)
        if split is None:
            continue
        for part in split.gated:
            for static in resolver.in_text(part.html, item):
                current = reserved.get(static)
                if current is None or ladder.get(part.tier).rank < ladder.get(current).rank:
                    reserved[static] = part.tier
    if not reserved:
        return found
    public = set()
    candidates = set(reserved)  # the public side is searched for these only
    for item, text in public_texts(generators, settings):
        public |= resolver.in_text(text, item, candidates)
    for static, tier in reserved.items():
        if static in public:
            continue
        mime = mimetypes.guess_type(static.source_path)[0] or "application/octet-stream"
        found.images[static.source_path] = ReservedImage(static, tier, mime)
    if found.images:
        kept = [s for s in statics if s.source_path not in found.images]
        static_generator.staticfiles[:] = kept
        if static_generator.context.get("staticfiles") is not static_generator.staticfiles:
            static_generator.context["staticfiles"] = static_generator.staticfiles
        for image in found.images.values():
            log.debug("image réservée, hors du site public\u00a0: %s", image.static.relative_source_path)
    return found


def relative_base(private: Path, written_in: Path) -> str:
    """From a file's folder under PRIVATE_OUTPUT_PATH back to its root, as a URL."""
    return Path(os.path.relpath(private, written_in)).as_posix()

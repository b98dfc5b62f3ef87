"""Email editions of a newsletter issue, one per tier.

Each edition is rendered once, from the same tier split as the site: the free
edition holds the public part and the teaser, each member edition everything
up to its tier. The subscriber's token is a placeholder that `send`
substitutes, and `send` puts To, Date and Message-ID in front of each copy, so
ten thousand messages cost ten thousand string replacements, not ten thousand
renderings.

Images that only reserved parts show are not on the public site (tiers'
images.py): a member edition carries them inside the message, as parts of a
multipart/related HTML body addressed by `cid:`, and the `.html` preview
written next to it points to their clear copy under PRIVATE_OUTPUT_PATH.
"""

from __future__ import annotations

import email.policy
import logging
import os
import re
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

import css_inline
import html2text
from jinja2 import Environment, FileSystemLoader, select_autoescape

from publishing import BuildResult, build_site, voix
from shared import write_atomic
from tiers import remaining_label  # the same words as the site's teaser

log = logging.getLogger(__name__)

TOKEN = "NENUFAR-JETON-ABONNE"  # replaced by the subscriber's token at sending time
GMAIL_CLIP = 102 * 1024
# On the wire: CRLF, and long headers (List-Unsubscribe URIs) kept whole rather
# than turned into encoded words; bodies stay quoted-printable at 76 columns.
WIRE = email.policy.SMTP.clone(max_line_length=998)
_NBSP, _NNBSP = "\u00a0", "\u202f"
_KEEP = {_NBSP: "\ue000", _NNBSP: "\ue001"}  # html2text would turn them into spaces
_REF_LINK = re.compile(r"\[([^\]]+)\]\[(\d+)\]")
_REF_DEF = re.compile(r"^ {0,4}\[(\d+)\]: (\S+)\s*$", re.M)


@dataclass(frozen=True)
class Related:
    """An image carried inside the message, shown by `cid:` in its HTML."""

    cid: str  # without angle brackets
    data: bytes
    mime: str
    filename: str
    private_path: Path | None  # its clear copy, for the .html preview


@dataclass
class Edition:
    issue: int
    tier: str
    subject: str
    html: str
    text: str
    message: EmailMessage
    folder: str = ""  # where write_editions put its files
    related: tuple = ()  # Related images of the HTML body
    preview: bool = False  # rendered from a draft issue: to read, never to send

    @property
    def size(self) -> int:
        return len(self.html.encode("utf-8"))

    def preview_html(self, folder: Path) -> str:
        """The HTML as written to disk: `cid:` images from their private copy."""
        html = self.html
        for image in self.related:
            if image.private_path is not None:
                relative = Path(os.path.relpath(image.private_path, folder)).as_posix()
                html = html.replace(f"cid:{image.cid}", quote(relative))
        return html


def add_related(message: EmailMessage, related) -> None:
    """Turn the HTML alternative of `message` into multipart/related with `related`."""
    if not related:
        return
    body = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
    for image in related:
        maintype, _, subtype = image.mime.partition("/")
        body.add_related(image.data, maintype, subtype or "octet-stream", cid=f"<{image.cid}>",
                         filename=image.filename, disposition="inline")


def embed_images(html: str, images, domain: str | None, tier_id: str) -> tuple[str, tuple]:
    """Reserved images of `html` replaced by `cid:` parts (the same image once)."""
    if not images:
        return html, ()
    related: dict[str, Related] = {}

    def change(tag, attribute, image):
        if tag != "img" or attribute != "src":
            return []  # a link or srcset to a reserved file has nowhere to lead in a message
        key = str(image.static.source_path)
        if key not in related:
            cid = make_msgid(idstring=f"image-{len(related) + 1}-{tier_id}", domain=domain)[1:-1]
            related[key] = Related(cid, image.source.read_bytes(), image.mime, Path(image.static.save_as).name,
                                   image.private_path)
        return [("src", f"cid:{related[key].cid}")]

    html = images.rewrite(html, change)
    return html, tuple(related.values())


def absolute(siteurl: str, url: str) -> str:
    if re.match(r"^[a-z]+:", url):
        return url
    return f"{siteurl.rstrip('/')}/{url.lstrip('/')}"


_PREHEADER = re.compile(r'<div class="preheader"[^>]*>.*?</div>', re.S)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


_WIDTH = 76
_LIST_ITEM = re.compile(r"^(\s*(?:[*+-]|\d+\.)\s+)")


def _wrap(line: str) -> str:
    """Wrap one unwrapped line at spaces only, keeping list and quote prefixes."""
    if len(line) <= _WIDTH or line.startswith("#") or re.fullmatch(r"\[\d+\] \S+", line):
        return line
    match = _LIST_ITEM.match(line)
    if match:
        first, rest = match.group(1), " " * len(match.group(1))
    elif line.startswith(">"):
        first = rest = "> "
        line = line.lstrip("> ")
    else:
        first = rest = ""
    return "\n".join(textwrap.wrap(line[len(first):] if match else line, _WIDTH, initial_indent=first,
                                   subsequent_indent=rest, break_long_words=False, break_on_hyphens=False))


def plain_text(html: str) -> str:
    """Plain-text alternative: under 78 columns, links as numbered references,
    French spaces kept."""
    html = _PREHEADER.sub("", html)
    for char, stand_in in _KEEP.items():
        html = html.replace(char, stand_in)
    converter = html2text.HTML2Text()
    converter.body_width = 0  # wrapped below, never at a hyphen ("penses-tu")
    converter.inline_links = False
    converter.ignore_emphasis = True
    converter.ignore_images = True
    converter.unicode_snob = True
    converter.wrap_links = False
    converter.ignore_tables = True  # the layout tables, not content
    converter.wrap_list_items = True
    text = converter.handle(html)
    text = _REF_LINK.sub(r"\1 [\2]", text)
    text = _REF_DEF.sub(r"[\1] \2", text)
    text = "\n".join(_wrap(line.rstrip()) for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    for char, stand_in in _KEEP.items():
        text = text.replace(stand_in, char)
    return text


def _environment(theme: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(str(theme / "templates" / "email")),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["voix"] = voix
    return env


def _body(issue, ladder, tier, siteurl: str) -> tuple[str, dict | None]:
    """The issue's text for `tier`, and the teaser for what lies deeper, if anything."""
    split = getattr(issue, "tier_split", None)
    if split is None:
        return _PERMALINK.sub("", issue._update_content(issue._content, siteurl)), None
    html = _PERMALINK.sub("", issue._update_content(split.up_to(ladder, tier.id), siteurl))
    deeper = [p for p in split.gated if ladder.get(p.tier).rank > tier.rank]
    if not deeper:
        return html, None
    next_tier = ladder.get(deeper[0].tier)
    words = sum(p.words for p in deeper)
    return html, {"tier": next_tier, "remaining": remaining_label(words, issue.settings["READING_SPEED_WPM"]),
                  "url": absolute(siteurl, next_tier.url)}


def render_editions(issue, articles, ladder, settings: dict, keys: dict, echoes=(), images=None) -> list[Edition]:
    """`images`: the build's reserved images (tiers' `context["tier_images"]`), if any."""
    siteurl = settings["SITEURL"]
    env = _environment(Path(settings["THEME"]))
    template = env.get_template("edition.html")
    css = (Path(settings["THEME"]) / "templates" / "email" / "edition.css").read_text(encoding="utf-8")
    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
    sender = settings["NEWSLETTER_FROM"] or f"{settings.get('AUTHOR') or ''} <{settings['AUTHOR_EMAIL'] or ''}>"
    reply_to = settings["NEWSLETTER_REPLY_TO"] or sender
    list_id = settings["NEWSLETTER_LIST_ID"]
    unsubscribe_mailto = settings["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    token = quote(TOKEN)
    links = {
        "unsubscribe": absolute(siteurl, settings["NEWSLETTER_UNSUBSCRIBE_URL"].format(token=token, issue=issue.number)),
        "yes": absolute(siteurl, settings["NEWSLETTER_FEEDBACK_URL"].format(token=token, issue=issue.number, answer="oui")),
        "no": absolute(siteurl, settings["NEWSLETTER_FEEDBACK_URL"].format(token=token, issue=issue.number, answer="non")),
        "subscribe": absolute(siteurl, settings["NEWSLETTER_SUBSCRIBE_URL"]),
        "online": absolute(siteurl, issue.url),
        "ideas": (absolute(siteurl, settings["NEWSLETTER_IDEAS_URL"].format(token=token, issue=issue.number))
                  if settings["NEWSLETTER_IDEAS_URL"] else None),
    }
    editions = []
    for tier in ladder.tiers:
        body, teaser = _body(issue, ladder, tier, siteurl)
        key = keys.get(tier.id)  # members of a tier get that tier's key in their links
        items = [{
            "title": str(a.title), "summary": str(getattr(a, "summary", "") or ""),
            # A member's link opens the whole article at once: it carries the tier's key.
            "url": absolute(siteurl, a.url) + (f"#cle={quote(key)}" if key and getattr(a, "tier_gates", None) else ""),
            "reserved": bool(getattr(a, "tier_gates", None)) and not key,
        } for a in articles]
        preview = issue.status == "draft"
        subject = ("[Aperçu] " if preview else "") + f"Numéro {issue.number} — {issue.title}"
        html = template.render(
            issue=issue, tier=tier, body=body, teaser=teaser, articles=items, links=links, echoes=echoes,
            subject=re.sub(r"<[^>]+>", "", subject), css=css, settings=settings,
            preheader=re.sub(r"<[^>]+>", "", str(getattr(issue, "summary", "") or "")),
            postal_address=settings["NEWSLETTER_POSTAL_ADDRESS"],
        )
        html = inliner.inline(html)
        domain = parseaddr(sender)[1].rpartition("@")[2] or None
        html, related = embed_images(html, images, domain, tier.id) if tier.rank else (html, ())
        text = plain_text(html)
        message = EmailMessage()
        message["Subject"] = re.sub(r"<[^>]+>", "", subject)
        message["From"] = sender
        message["Reply-To"] = reply_to
        message["Date"] = format_datetime(issue.date)
        message["Message-ID"] = make_msgid(idstring=f"numero-{issue.number}-{tier.id}",
                                           domain=parseaddr(sender)[1].rpartition("@")[2] or None)
        message["List-Id"] = f"{settings.get('SITENAME', 'Lettre')} <{list_id}>"
        unsubscribe = [f"<{links['unsubscribe']}>"]
        if unsubscribe_mailto:
            unsubscribe.insert(0, f"<mailto:{unsubscribe_mailto}?subject=desabonnement%20{TOKEN}>")
        message["List-Unsubscribe"] = ", ".join(unsubscribe)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Nenufar-Tier"] = tier.id
        message.set_content(text, charset="utf-8", cte="quoted-printable")
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        add_related(message, related)
        edition = Edition(issue.number, tier.id, message["Subject"], html, text, message, related=related,
                          preview=preview)
        if edition.size > GMAIL_CLIP:
            log.warning("lettre %s, édition « %s » : %s Ko, Gmail coupe les messages au-delà de 102 Ko",
                        issue.number, tier.id, round(edition.size / 1024))
        editions.append(edition)
    return editions


def write_editions(editions: list[Edition], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for edition in editions:
        edition.folder = str(folder)
        for suffix, data in ((".html", edition.preview_html(folder).encode("utf-8")),
                             (".txt", edition.text.encode("utf-8")),
                             (".eml", edition.message.as_bytes(policy=WIRE))):
            path = folder / f"{edition.tier}{suffix}"
            write_atomic(path, data)
            written.append(path)
    return written


def render_issue(settings: dict, issue) -> BuildResult:
    """Render the editions of `issue` (a number, or "latest"): the site is built
    in a scratch folder, so output/ is not touched, and the editions are written
    under PRIVATE_OUTPUT_PATH/newsletter/<N>/ and returned in `editions`.
    BuildError if the build fails (the issue does not exist, say)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nenufar-lettre-") as scratch:
        return build_site(dict(settings, OUTPUT_PATH=str(Path(scratch) / "site"), PAGEFIND=False,
                          NEWSLETTER_EDITION=str(issue)))

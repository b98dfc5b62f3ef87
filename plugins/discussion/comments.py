"""Static comments: approved comments are files in the repository.

content/conversations/<article-slug>/<id>.md holds one comment: header lines
(`Author:`, `Date:`, optional `Reply-To:` the parent's id, `Website:`, `Email:`
kept for the author and never published, and `Role:`), a blank line, then
Markdown. Every word of it is untrusted: the Markdown is rendered, then cleaned
by nh3 with an allowlist; links get rel="nofollow ugc".

The author's badge is declared, never inferred: only a file with `Role: autrice`
(or `auteur`) gets it. Intake never writes that header; `invoke comments.review
--as-author` does, for the author's own replies. A name or an address that
matches the author's proves nothing: anyone can type them.

Rendering is markdown-it-py (CommonMark), whose parser is linear in the size of
the text, where Python-Markdown's inline patterns are quadratic on inputs such
as `[` repeated 20,000 times (36 s). Links are not filtered by markdown-it (a
`javascript:` link stays a link) so that nh3, the one place that decides, drops
the address and keeps the words; raw HTML is parsed as inline HTML for the same
reason and stripped by the allowlist. Nesting is capped (CommonMark preset: 20 levels).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nh3

from shared import Problem, ProblemError, read_header, safe_url

FOLDER = "conversations"
KEYS = {"author", "date", "reply-to", "website", "email", "role"}
SHOWN_KEYS = "Author, Date, Reply-To, Website, Email, Role"
ROLES = {"autrice", "auteur"}  # `Role:` values that mean the site's author; both give the badge
TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Control characters (tab and newlines aside) mean nothing in a comment and are
# not allowed in HTML: they are dropped from names and texts.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SURROGATES = re.compile("[\ud800-\udfff]")  # lone halves (from JSON "\\ud800"): not text, cannot be encoded


class CommentError(ProblemError, ValueError):
    """A comment file is wrong; its `problem` names the file and line, in French."""


@dataclass
class Comment:
    id: str
    article: str  # the article's slug
    author: str
    date: dt.datetime
    html: str
    website: str | None = None
    email: str | None = None  # kept for the author, never rendered
    parent: str | None = None
    source: str = ""
    by_author: bool = False  # the file declares `Role: autrice`; nothing else gives the badge
    replies: list["Comment"] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"commentaire-{self.id}"


@functools.cache
def _renderer():
    from markdown_it import MarkdownIt  # here: 28 ms a build without comments need not pay

    # Raw HTML is read inline only: a line such as `<p onclick=…>` does not start
    # an HTML block that would swallow the Markdown after it.
    renderer = MarkdownIt("commonmark", {"html": True, "xhtmlOut": False}).disable("html_block")
    renderer.validateLink = _any_link
    return renderer


def _any_link(url: str) -> bool:
    return True  # nh3 decides which addresses stay (http, https, mailto)


# markdown-it is linear, but each bracket, star or line costs it some 10 µs: a
# comment made mostly of markup (a hostile one, or a pasted dump) is shown as
# plain text instead, which keeps any comment under 50 ms (bench/comments_bench.py).
MAX_MARKUP = 1500
_MARKUP = re.compile(r"[\[\]!*_`<>\\\n]")


def _as_text(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>\n" for p in paragraphs)


def render(markdown_text: str) -> str:
    """Markdown to HTML, not yet cleaned: use `clean`."""
    if len(_MARKUP.findall(markdown_text)) > MAX_MARKUP:
        return _as_text(markdown_text)
    return _renderer().render(markdown_text)


def clean(markdown_text: str) -> str:
    """Untrusted Markdown to safe HTML: no raw HTML, scripts, handlers, styles or
    javascript: links survive. Linear in the length of the text."""
    text = SURROGATES.sub("\ufffd", CONTROLS.sub("", markdown_text))
    return nh3.clean(render(text), tags=TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc", strip_comments=True)


def parse(path: Path, shown: str, timezone) -> Comment:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CommentError(Problem(shown, None, f"le fichier n’est pas en UTF-8 ({error.reason})")) from None
    lines = text.split("\n")
    header = read_header(lines)
    wrong = [Problem(shown, entry.line, f"clé inconnue «\u202f{entry.name}\u202f» (clés\u00a0: {SHOWN_KEYS})")
             for entry in header.entries if entry.key not in KEYS]
    wrong += [Problem(shown, entry.line, f"«\u202f{entry.name}:\u202f» répété (déjà ligne {header.first(entry.key).line})")
              for entry in header.repeats]
    if header.stray is not None:
        wrong.append(Problem(shown, header.stray.line,
                             f"«\u202f{header.stray.value.strip()[:60]}\u202f» n’est pas une ligne «\u202fClé: valeur\u202f» "
                             "(l’en-tête s’arrête à la première ligne vide)"))
    if wrong:
        raise CommentError(min(wrong, key=lambda problem: problem.line))
    fields = header.fields
    body = "\n".join(lines[header.body:])
    for key in ("author", "date"):
        if not header.value(key):
            raise CommentError(Problem(shown, None, f"«\u202f{key.capitalize()}:\u202f» manquant"))
    if not body.strip():
        raise CommentError(Problem(shown, None, "le commentaire est vide"))
    date_field = fields["date"]
    try:
        date = dt.datetime.fromisoformat(date_field.value)
    except ValueError:
        raise CommentError(Problem(shown, date_field.line, f"date illisible «\u202f{date_field.value}\u202f» "
                                                           "(format\u00a0: 2026-11-22 18:30)")) from None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone)
    role = fields.get("role")
    if role is not None and role.value.lower() not in ROLES:
        raise CommentError(Problem(shown, role.line, f"«\u202fRole: {role.value}\u202f» inconnu "
                                   "(seule valeur\u00a0: «\u202fRole: autrice\u202f» ou «\u202fRole: auteur\u202f», "
                                   "pour les réponses de l’autrice du site)"))
    return Comment(
        id=path.stem, article=path.parent.name, author=CONTROLS.sub("", header.value("author")), date=date,
        html=clean(body),
        website=safe_url(header.value("website") or None), email=header.value("email") or None,
        parent=header.value("reply-to") or None, source=shown, by_author=role is not None,
    )


def load(content: Path, timezone, shown_root: str) -> tuple[list[Comment], list[Problem]]:
    """Every comment under content/conversations/, and the French problems found."""
    comments, problems = [], []
    base = content / FOLDER
    if not base.is_dir():
        return comments, problems
    for path in sorted(base.glob("*/*")):
        shown = f"{shown_root}/{FOLDER}/{path.parent.name}/{path.name}"
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix != ".md" or not _ID.match(path.stem):
            problems.append(Problem(shown, None, "un commentaire est un fichier <id>.md (lettres, chiffres, tirets)"))
            continue
        try:
            comments.append(parse(path, shown, timezone))
        except CommentError as error:
            problems.append(error.problem)
    for path in sorted(p for p in base.iterdir() if p.is_file() and not p.name.startswith(".")):
        problems.append(Problem(f"{shown_root}/{FOLDER}/{path.name}", None,
                                f"un commentaire va dans le dossier de son article, {FOLDER}/<adresse-de-l-article>/"))
    return comments, problems


def thread(comments: list[Comment]) -> tuple[dict[str, list[Comment]], list[Problem]]:
    """{article slug: top-level comments with their replies}, and problems with parents."""
    by_key = {(c.article, c.id): c for c in comments}
    roots: dict[str, list[Comment]] = {}
    problems = []
    for comment in sorted(comments, key=lambda c: c.date):
        if comment.parent:
            parent = by_key.get((comment.article, comment.parent))
            if parent is None:
                problems.append(Problem(comment.source, None, f"«\u202fReply-To: {comment.parent}\u202f» ne désigne "
                                                              f"aucun commentaire de {FOLDER}/{comment.article}/"))
                continue
            parent.replies.append(comment)
        else:
            roots.setdefault(comment.article, []).append(comment)
    shown = set()

    def walk(items):
        for item in items:
            shown.add(id(item))
            walk(item.replies)

    for items in roots.values():
        walk(items)
    for comment in comments:  # replies that lead back to themselves would vanish silently
        if id(comment) not in shown and (comment.article, comment.parent) in by_key:
            problems.append(Problem(comment.source, None,
                                    f"«\u202fReply-To: {comment.parent}\u202f» forme une boucle de réponses"))
    return roots, problems


def count(comments: list[Comment]) -> int:
    return sum(1 + count(c.replies) for c in comments)

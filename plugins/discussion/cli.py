"""The discussion's commands: `invoke comments.import` and `invoke comments.review`.

Intake and moderation live in intake.py and review.py; these tasks parse the
arguments, drive the moderator's prompts and print, every stranger's text inert.
"""

from __future__ import annotations

import os
from pathlib import Path

from invoke import Collection

from publishing import article_index, cli
from shared import inert, number_fr, plural

from . import intake, review

Project, console, err, fail, task = cli.Project, cli.console, cli.err, cli.fail, cli.task


def _articles(settings):
    """The site's articles, as intake and review check addresses against them."""
    return intake.Articles.from_index(article_index(settings))


def _queue(settings):
    try:
        return intake.Queue(intake.queue_file(settings))
    except intake.IntakeError as error:
        fail(inert(str(error)), error=error)


@task(name="import", help={"source": "boîte mbox ou Maildir, export JSON d’un formulaire, ou base Isso"})
def comments_import(c, source):
    """Range les commentaires reçus dans la file d’attente de modération (rien n’est publié)."""
    settings = Project(c).settings()
    try:
        found = intake.read_source(Path(source), _articles(settings))
    except intake.IntakeError as error:
        fail(inert(str(error)), error=error)
    queue = _queue(settings)
    try:
        result = queue.add(found)
        waiting = len(queue.pending())
    finally:
        queue.close()
    for refused in result.refused:
        err.print(f"[yellow]Refusé[/]\u00a0: {inert(refused.origin)}\u00a0: {inert(refused.reason)}")
    refused = f", {plural(len(result.refused), 'refusé')}" if result.refused else ""
    unknown = f", dont {result.without_article} sans article reconnu" if result.without_article else ""
    console.print(f"{plural(result.added, 'nouveau commentaire', 'nouveaux commentaires')} en attente "
                  f"({plural(result.known, 'déjà connu', 'déjà connus')}{refused}){unknown}\u202f; "
                  f"{number_fr(waiting)} en attente de modération. Suite\u00a0: invoke comments.review")


def _ask_article(articles) -> str | None:
    """The article typed for a comment that names none; None to leave it pending."""
    while True:
        typed = input("Adresse de l’article (vide\u00a0: le laisser en attente)\u00a0: ").strip()
        if not typed or articles.slug_of(typed):
            return typed or None
        err.print(f"[yellow]Refusé[/]\u00a0: {inert(articles.refusal(typed))}")


def _reply_as_author(project, settings, queue, ident, text, content, articles, article) -> None:
    if not str(ident).isdigit():
        fail(f"--as-author attend un numéro de la file, pas «\u202f{inert(ident)}\u202f».")
    row = queue.get(int(ident))
    if row is None:
        fail(f"aucun commentaire ne porte le numéro {inert(ident)}.")
    if text is None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            fail("donnez le texte avec --reply \"…\", ou définissez $EDITOR pour l’écrire dans votre éditeur.")
        text = review.text_from_editor(editor, review.reply_template(row))
    approved, written = review.author_reply(
        queue, int(ident), text, content, articles, author=settings.get("AUTHOR") or "",
        badge=settings["AUTHOR_BADGE"], timezone=settings.get("TIMEZONE") or "UTC", article=article)
    if approved:
        console.print(f"Approuvé\u00a0: n°{row['id']} → {inert(project.shown(approved))}")
    console.print(f"Réponse écrite\u00a0: {inert(project.shown(written))} "
                  f"(badge «\u202f{inert(settings['AUTHOR_BADGE'])}\u202f»)")


@task(name="review", iterable=["approve", "reject"],
      help={"approve": "numéro à approuver (répétable)", "reject": "numéro à rejeter (répétable)",
            "article": "adresse de l’article, pour un commentaire qui n’en désigne pas",
            "as_author": "numéro du commentaire auquel vous répondez, en tant qu’autrice (badge)\u202f; "
                         "approuvé au passage s’il est en attente",
            "reply": "texte de la réponse (avec --as-author)\u202f; sans lui, $EDITOR s’ouvre"})
def comments_review(c, approve=None, reject=None, article=None, as_author=None, reply=None):
    """Montre les commentaires en attente et les approuve ou les rejette\u202f; --as-author N y répond.

    Un à un, ou avec --approve/--reject. Tout ce qu’un commentaire contient est affiché inerte.
    """
    project = Project(c)
    settings = project.settings()
    queue = _queue(settings)
    content, articles = Path(settings["PATH"]), _articles(settings)

    def show(decision):
        if decision.outcome == "approved":
            console.print(f"Approuvé\u00a0: n°{decision.ident} → {inert(project.shown(decision.file))}")
        elif decision.outcome == "rejected":
            console.print(f"Rejeté\u00a0: n°{decision.ident}")
        else:
            err.print(f"[yellow]Non approuvé[/]\u00a0: {inert(decision.reason)}")

    for lines in review.reported(queue, content):  # readers' reports first, with the comment
        console.print()
        for line in lines:
            console.print(line)
    try:
        if as_author is not None:
            if approve or reject:
                fail("--as-author s’utilise seul (sans --approve ni --reject).")
            _reply_as_author(project, settings, queue, as_author, reply, content, articles, article)
        elif approve or reject:
            for decision in review.decide_all(queue, approve, reject, content, articles, article):
                show(decision)
        elif not queue.pending():
            console.print("Aucun commentaire en attente.")
        for row in [] if as_author is not None or approve or reject else queue.pending():
            console.print()
            for line in review.describe(row, settings.get("AUTHOR"), settings["AUTHOR_EMAIL"]):
                console.print(line)
            answer = input("[a]pprouver, [r]ejeter, [p]asser\u202f? ").strip().lower()[:1]
            chosen = article if answer != "a" or row["article"] or article else _ask_article(articles)
            if answer == "r":
                show(review.decide(queue, row, "reject", content, articles))
            elif answer == "a" and not (row["article"] or chosen):
                console.print(f"Laissé en attente\u00a0: n°{row['id']}")
            elif answer == "a":
                show(review.decide(queue, row, "approve", content, articles, chosen))
    except intake.IntakeError as error:
        fail(inert(str(error)), error=error)
    except EOFError:
        console.print("\nFin de la saisie\u00a0: les autres commentaires restent en attente.")
    finally:
        queue.close()


comments = Collection("comments", comments_import, comments_review)

"""The service's own messages: the confirmation link of a subscription or a
vote, and the welcome message with the latest letter. Sent over the project's
SMTP settings (NENUFAR_SMTP_* first), through the newsletter's Mailer."""

from __future__ import annotations

import email.policy
import re
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from newsletter import TOKEN, Mailer, SmtpConfig


def sender(settings: dict) -> str:
    return settings["NEWSLETTER_FROM"] or formataddr((settings.get("AUTHOR") or "", settings["AUTHOR_EMAIL"] or ""))


def _message(settings: dict, to: str, subject: str, body: str) -> EmailMessage:
    import datetime as dt

    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender(settings)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender(settings))[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    return message


class Outbox:
    """The service's messages leave from one thread per process, in order, over
    one SMTP session kept open while there is mail to send: a reader's request
    never waits for the mail server. A message that cannot be sent is dropped
    and counted (the reader asks again; the request row stays until it expires)."""

    def __init__(self, settings: dict, environ=None, idle: float = 5.0):
        import os
        import queue

        self.settings, self.environ, self.idle = settings, dict(os.environ if environ is None else environ), idle
        self.queue: "queue.Queue[EmailMessage]" = queue.Queue()
        self.failed = 0
        self._thread = None
        self._lock = __import__("threading").Lock()

    def post(self, message: EmailMessage) -> None:
        self.queue.put(message)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                import threading

                self._thread = threading.Thread(target=self._run, name="nenufar-outbox", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        import logging
        import queue
        import smtplib

        from newsletter import SendError

        mailer = None
        try:
            while True:
                try:
                    message = self.queue.get(timeout=self.idle)
                except queue.Empty:
                    return
                try:
                    if mailer is None:
                        mailer = Mailer(SmtpConfig.from_settings(self.settings, self.environ), timeout=20)
                    mailer.send(parseaddr(sender(self.settings))[1], message["To"], message.as_bytes())
                except (SendError, smtplib.SMTPException, OSError) as error:
                    self.failed += 1
                    logging.getLogger(__name__).warning("courriel non envoyé (%s)", type(error).__name__)  # no address
                    if mailer is not None:
                        mailer.close()
                    mailer = None
        finally:
            if mailer is not None:
                mailer.close()


def confirmation(settings: dict, to: str, link: str) -> EmailMessage:
    site = settings.get("SITENAME") or "la lettre"
    body = (f"Bonjour,\n\nQuelqu’un — vous, sans doute — a demandé à recevoir la lettre de {site} à cette "
            f"adresse.\n\nPour confirmer, ouvrez ce lien et cliquez sur «\u202fConfirmer mon abonnement\u202f»\u00a0:\n"
            f"{link}\n\nSans confirmation, rien ne se passe\u00a0: la demande expire d’elle-même dans "
            f"{settings['ENGAGEMENT_CONFIRM_HOURS']}\u00a0heures et vous ne recevrez rien d’autre.\n\n"
            f"— {settings.get('AUTHOR') or site}\n")
    return _message(settings, to, f"Confirmez votre abonnement à {site}", body)


def vote_confirmation(settings: dict, to: str, link: str, title: str) -> EmailMessage:
    site = settings.get("SITENAME") or "la lettre"
    body = (f"Bonjour,\n\nPour compter votre voix pour l’idée «\u202f{title}\u202f», ouvrez ce lien et "
            f"cliquez sur «\u202fConfirmer mon vote\u202f»\u00a0:\n{link}\n\nSans confirmation, rien n’est "
            f"compté.\n\n— {settings.get('AUTHOR') or site}\n")
    return _message(settings, to, f"Confirmez votre vote sur {site}", body)


def latest_letter(settings: dict, tier: str) -> tuple[int, str] | None:
    """(number, text) of the newest edition of `tier` that `invoke newsletter` rendered."""
    folder = Path(settings["PRIVATE_OUTPUT_PATH"]) / "newsletter"
    numbers = sorted((int(p.name) for p in folder.iterdir() if p.name.isdigit() and (p / f"{tier}.txt").is_file()),
                     reverse=True) if folder.is_dir() else []
    if not numbers:
        return None
    return numbers[0], (folder / str(numbers[0]) / f"{tier}.txt").read_text(encoding="utf-8")


def _absolute(settings: dict, url: str) -> str:
    return url if re.match(r"https?://", url) else settings["SITEURL"].rstrip("/") + "/" + url.lstrip("/")


def welcome(settings: dict, to: str, tier: str, token: str, key: str | None) -> EmailMessage:
    site = settings.get("SITENAME") or "la lettre"
    lines = [f"Bonjour,\n\nC’est confirmé\u00a0: vous recevrez désormais la lettre de {site}. Merci\u202f!"]
    if key:
        link = _absolute(settings, settings["NEWSLETTER_INDEX_URL"]) + f"#cle={quote(key)}"
        lines.append("Votre abonnement ouvre aussi les parties réservées des articles. Ce lien porte votre clé "
                     f"(gardez-le pour vous)\u00a0:\n{link}")
    unsubscribe = settings["NEWSLETTER_UNSUBSCRIBE_URL"].format(token=token, issue="")
    lines.append(f"Pour vous désabonner, à tout moment, en un clic\u00a0:\n{_absolute(settings, unsubscribe)}")
    latest = latest_letter(settings, tier)
    if latest:
        number, text = latest
        lines.append(f"Voici le dernier numéro, le n°\u00a0{number}, pour commencer\u00a0:\n\n"
                     + "-" * 60 + "\n\n" + text.replace(TOKEN, token))
    else:
        lines.append("Le prochain numéro vous arrivera dès sa parution\u00a0; en attendant, les précédents "
                     f"sont en ligne\u00a0: {_absolute(settings, settings['NEWSLETTER_INDEX_URL'])}")
    return _message(settings, to, f"Bienvenue dans la lettre de {site}", "\n\n".join(lines) + "\n")

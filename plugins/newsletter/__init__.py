"""Newsletter plugin. Web side: numbered issues, their pages, the archive and
a feed. (Email editions and delivery come with render.py and send.py.)"""

from pelican import signals

from .issues import NewsletterGenerator, NewsletterIssue, newsletter_generator

__all__ = ["NewsletterGenerator", "NewsletterIssue", "register"]


def register():
    signals.get_generators.connect(newsletter_generator)

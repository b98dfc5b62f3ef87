"""Newsletter issues as content of their own kind ("Numéro 5").

Each issue is a Markdown file under NEWSLETTER_PATHS with an `Issue:` number.
It is written at NEWSLETTER_SAVE_AS (default lettre/{number}/index.html), listed
on the archive page NEWSLETTER_INDEX_SAVE_AS and in an Atom feed of its own.
"""

from __future__ import annotations

import logging

from pelican.contents import Page, SkipStub
from pelican.generators import CachingGenerator

log = logging.getLogger(__name__)

class NewsletterIssue(Page):
    """One issue of the letter; its URL settings are NEWSLETTER_URL/_SAVE_AS."""

    mandatory_properties = ("title", "date", "issue")
    allowed_statuses = ("published", "draft")
    default_template = "newsletter"

    @property
    def number(self) -> int:
        return int(str(self.metadata["issue"]).strip())

    @property
    def url_format(self):
        fmt = super().url_format
        fmt["number"] = self.number
        return fmt

    def _expand_settings(self, key, klass=None):
        if self.status == "draft" and not self.settings.get("DRAFT_SAVE_AS"):
            return ""  # production writes no draft (publishconf.py empties DRAFT_SAVE_AS)
        draft = "DRAFT_" if self.status == "draft" else ""
        fq_key = f"NEWSLETTER_{draft}{key}".upper()
        template = self.settings.get(fq_key, "")  # NEWSLETTER_[DRAFT_]URL, _SAVE_AS; no LANG_ variants
        return str(template).format(**self.url_format)


class NewsletterGenerator(CachingGenerator):
    """Reads the issues, puts them in the context and writes their pages."""

    def __init__(self, *args, **kwargs):
        self.issues: list[NewsletterIssue] = []
        self.drafts: list[NewsletterIssue] = []
        super().__init__(*args, **kwargs)

    def generate_context(self):
        found = []
        for path in self.get_files(self.settings["NEWSLETTER_PATHS"]):
            issue = self.get_cached_data(path, None)
            if issue is None:
                try:
                    issue = self.readers.read_file(
                        base_path=self.path,
                        path=path,
                        content_class=NewsletterIssue,
                        context=self.context,
                    )
                except Exception as error:  # the reader's message names the problem
                    log.error("Lettre illisible %s : %s", path, error)
                    self._add_failed_source_path(path)
                    continue
                if isinstance(issue, SkipStub):
                    continue
                if not issue.is_valid():
                    self._add_failed_source_path(path)
                    continue
                self.cache_data(path, issue)
            self.add_source_path(issue)
            found.append(issue)

        by_number: dict[int, NewsletterIssue] = {}
        for issue in found:
            try:
                number = issue.number
            except ValueError:
                log.error(
                    "%s : le numéro « Issue: %s » n’est pas un nombre entier",
                    issue.source_path, issue.metadata["issue"],
                )
                continue
            if number in by_number:
                log.error(
                    "%s : le numéro %d est déjà celui de %s",
                    issue.source_path, number, by_number[number].source_path,
                )
                continue
            by_number[number] = issue

        ordered = sorted(by_number.values(), key=lambda i: i.number, reverse=True)
        self.issues = [i for i in ordered if i.status == "published"]
        self.drafts = [i for i in ordered if i.status == "draft"]
        self.context["newsletter_issues"] = self.issues
        self.context["latest_issue"] = self.issues[0] if self.issues else None
        self.context["NEWSLETTER_INDEX_URL"] = self.settings["NEWSLETTER_INDEX_URL"]
        self.save_cache()
        self.readers.save_cache()

    def generate_output(self, writer):
        relative = self.settings["RELATIVE_URLS"]
        for issue in self.issues + [d for d in self.drafts if d.save_as]:  # drafts: for review, under brouillons/
            writer.write_file(
                issue.save_as,
                self.get_template(issue.template),
                self.context,
                issue=issue,
                relative_urls=relative,
                url=issue.url,
            )
        index_save_as = self.settings["NEWSLETTER_INDEX_SAVE_AS"]
        if index_save_as:
            writer.write_file(
                index_save_as,
                self.get_template("newsletter_index"),
                self.context,
                relative_urls=relative,
                url=self.settings["NEWSLETTER_INDEX_URL"],
            )
        for key, template in (("NEWSLETTER_UNSUBSCRIBE_SAVE_AS", "unsubscribe"),
                              ("NEWSLETTER_FEEDBACK_SAVE_AS", "feedback")):
            save_as = self.settings[key]
            if save_as:
                writer.write_file(save_as, self.get_template(template), self.context,
                                  relative_urls=relative, url=save_as.removesuffix("index.html"))
        feed = self.settings["NEWSLETTER_FEED_ATOM"]
        if feed and self.issues:
            writer.write_feed(
                self.issues,
                self.context,
                feed,
                self.settings["NEWSLETTER_INDEX_URL"],
                feed_title="la lettre",
            )


def newsletter_generator(pelican):
    return NewsletterGenerator

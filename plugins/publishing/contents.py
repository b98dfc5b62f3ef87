"""The lists of content objects that generators hold, named once.

Pelican's article generator keeps its content in six lists and its page
generator in six others; a plugin's generator of its own (the newsletter's)
uses the same names for the same roles (`issues`, `drafts`). A handler that
needs "every text of the build", or "every article, whatever its status",
asks `contents` rather than spelling the names again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

ARTICLE_LISTS = ("articles", "translations", "drafts", "drafts_translations", "hidden_articles",
                 "hidden_translations")
PAGE_LISTS = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")
ISSUE_LISTS = ("issues", "drafts")  # newsletter.NewsletterGenerator
EVERY_LIST = tuple(dict.fromkeys(ARTICLE_LISTS + PAGE_LISTS + ISSUE_LISTS))


def contents(generators: Iterable, lists: tuple[str, ...] = EVERY_LIST) -> Iterator:
    """Every content object held in these lists by these generators, each once, in order."""
    seen: set[int] = set()
    for generator in generators:
        for name in lists:
            for item in getattr(generator, name, None) or ():
                if id(item) not in seen:
                    seen.add(id(item))
                    yield item

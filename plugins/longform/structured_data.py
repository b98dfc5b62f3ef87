"""JSON-LD for articles (schema.org BlogPosting)."""

from __future__ import annotations

import html
import re

_TAGS = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_SPACES = re.compile(r"[ \t\r\n]+")


def plain(fragment) -> str:
    """Visible text of an HTML fragment: tags removed, entities decoded.

    Unlike Markup.striptags, only ASCII whitespace is collapsed, so the
    no-break spaces of French typography survive.
    """
    text = html.unescape(_TAGS.sub("", str(fragment or "")))
    return _SPACES.sub(" ", text).strip()


def absolute(settings, path: str) -> str:
    return f"{settings.get('SITEURL', '').rstrip('/')}/{path.lstrip('/')}"


def blog_posting(article) -> dict:
    settings = article.settings
    url = absolute(settings, article.url)
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": plain(article.title),
        "description": plain(getattr(article, "summary", "")),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "inLanguage": getattr(article, "lang", settings.get("DEFAULT_LANG", "fr")),
        "author": {"@type": "Person", "name": str(article.author)},
        "publisher": {
            "@type": "Organization",
            "name": settings.get("SITENAME", ""),
            "url": absolute(settings, ""),
        },
        "wordCount": getattr(article, "word_count", None),
        "isAccessibleForFree": True,
    }
    if getattr(article, "category", None):
        data["articleSection"] = str(article.category)
    if getattr(article, "tags", None):
        data["keywords"] = [str(tag) for tag in article.tags]
    if settings["SOCIAL_IMAGE"]:
        data["image"] = absolute(settings, settings["SOCIAL_IMAGE"])
    # Other plugins (tiers) add keys here rather than editing this function.
    data.update(getattr(article, "structured_data", {}) or {})
    return {k: v for k, v in data.items() if v not in (None, "", [])}

"""Private full-content Atom feeds, one per gated tier, under PRIVATE_OUTPUT_PATH.

Reserved images (images.py) are not on the public site: a feed points them
to their clear copy under PRIVATE_OUTPUT_PATH, absolute under PRIVATE_SITEURL
when it is set (where the private folder is served), else relative to the
feed's own place (`../images/plan.png` from `flux/`)."""

from __future__ import annotations

from pathlib import Path

from feedgenerator import Atom1Feed, get_tag_uri

from shared import write_atomic

from .images import relative_base
from .ladder import Ladder


FEEDS = "flux"  # under PRIVATE_OUTPUT_PATH


def feed_path(private: Path, tier_id: str) -> Path:
    return private / FEEDS / f"{tier_id}.atom.xml"


def write_feeds(articles, ladder: Ladder, settings: dict, private: Path, images=None) -> list[Path]:
    siteurl = settings.get("SITEURL", "").rstrip("/")
    written = []
    for tier in ladder.gated:
        path = feed_path(private, tier.id)
        base = settings["PRIVATE_SITEURL"] or relative_base(private, path.parent)
        feed = Atom1Feed(
            title=f"{settings.get('SITENAME', '')} — {tier.label}",
            link=f"{siteurl}/",
            feed_url=None,
            description=tier.promise,
            language=settings.get("DEFAULT_LANG", "fr"),
        )
        limit = settings.get("FEED_MAX_ITEMS")  # same depth as the public feeds
        for article in list(articles)[:limit] if limit else articles:
            split = getattr(article, "tier_split", None)
            body = split.up_to(ladder, tier.id) if split else article._content
            body = article._update_content(body, siteurl)  # {filename} links, as on the site
            if images:
                body = images.private_html(body, base, article)
            feed.add_item(
                title=str(article.title),
                link=f"{siteurl}/{article.url}",
                unique_id=get_tag_uri(f"{siteurl}/{article.url}", article.date),
                description=str(getattr(article, "summary", "") or ""),
                content=body,
                author_name=str(getattr(article, "author", "")),
                pubdate=article.date,
                updateddate=getattr(article, "modified", None),
                categories=[str(t) for t in getattr(article, "tags", [])],
            )
        write_atomic(path, feed.writeString("utf-8"))  # a reader never sees half a feed
        written.append(path)
    return written

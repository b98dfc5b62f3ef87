"""Private full-content Atom feeds, one per gated tier, under PRIVATE_OUTPUT_PATH."""

from __future__ import annotations

from pathlib import Path

from feedgenerator import Atom1Feed, get_tag_uri

from publishing.files import write_atomic

from .ladder import Ladder


def feed_path(private: Path, tier_id: str) -> Path:
    return private / "flux" / f"{tier_id}.atom.xml"


def write_feeds(articles, ladder: Ladder, settings: dict, private: Path) -> list[Path]:
    siteurl = settings.get("SITEURL", "").rstrip("/")
    written = []
    for tier in ladder.gated:
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
        path = feed_path(private, tier.id)
        write_atomic(path, feed.writeString("utf-8"))  # a reader never sees half a feed
        written.append(path)
    return written

"""Series: articles that share a `Series:` name, ordered by `Series_index` then date.

Written here rather than taken from pelican-series 3.1.1, whose module-level
dictionaries keep series from earlier builds in the same process (livereload,
tests).
"""

from __future__ import annotations

from collections import defaultdict


def link_series(articles) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for article in articles:
        name = article.metadata.get("series")
        if name:
            groups[name].append(article)
    ordered = {}
    for name, items in groups.items():
        items.sort(key=lambda a: (int(a.metadata.get("series_index") or 10**6), a.date))
        for position, article in enumerate(items):
            article.series = {
                "name": name,
                "index": position + 1,
                "all": items,
                "previous": items[position - 1] if position else None,
                "next": items[position + 1] if position + 1 < len(items) else None,
            }
        ordered[name] = items
    return ordered

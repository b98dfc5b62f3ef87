"""`parse` on JSON Feed, jf2 and RSS/Atom documents of random types and values:
it returns entries or raises its own ParseError, never anything else, and what
it returns is bounded and of the promised types (issue 11)."""

from __future__ import annotations

import datetime as dt
import json
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reactions.parse import EXCERPT, FIELD_LIMITS, MAX_LINKS, Entry, ParseError, Parsed, parse

BASE = "https://blog.exemple.fr/flux.xml"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 30),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=12)
urls = st.one_of(st.sampled_from(["https://nenufar.example/l-avenir/", "http://x.exemple:abc/", "http://[::1",
                                  "javascript:alert(1)", "/relatif", "//double.exemple/x", "http://", " ",
                                  "https://a.exemple/" + "é" * 50, "http://x.exemple:99999999999/"]),
                 st.text(max_size=30))
dates = st.one_of(st.sampled_from(["2026-11-21T10:00:00Z", "2026-11-21T10:00:00+01:00", "2026-11-21", "0001-01-01",
                                   "9999-12-31T23:59:59-23:59", "2999-01-01T00:00:00", "21 novembre 2026", ""]),
                  st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()))
html_text = st.one_of(st.text(max_size=60), st.sampled_from([
    "<p>Premier.</p><p>Second</p>", '<a href="https://nenufar.example/l-avenir/">là</a>', "<script>alert(1)</script>",
    "<a href='javascript:alert(2)'>x</a>", "&lt;b&gt;", "<br>" * 5, "<" * 20, '<a href="http://x:y/">']))


def field(*special):
    """Mostly the expected type, often something else."""
    return st.one_of(json_values, *(special * 6)) if special else json_values


json_feed_items = st.fixed_dictionaries({"id": field(st.text(min_size=1, max_size=20), st.integers())}, optional={
    "url": field(urls), "external_url": field(urls),
    "title": field(html_text), "content_html": field(html_text), "content_text": field(html_text),
    "summary": field(html_text), "date_published": field(dates), "date_modified": field(dates),
    "author": field(st.fixed_dictionaries({}, optional={"name": field(st.text(max_size=20)), "url": field(urls)})),
    "authors": field(st.lists(field(st.fixed_dictionaries({}, optional={"name": field(st.text(max_size=20))})),
                              max_size=3))})
jf2_children = st.fixed_dictionaries({"wm-id": field(st.integers())}, optional={
    "url": field(urls), "name": field(html_text), "published": field(dates),
    "wm-received": field(dates), "wm-target": field(urls), "wm-property": field(st.text(max_size=12)),
    "author": field(st.fixed_dictionaries({}, optional={"name": field(st.text(max_size=20))})),
    "content": field(st.fixed_dictionaries({}, optional={"html": field(html_text), "text": field(html_text)}))})
json_documents = st.one_of(
    json_values,  # anything at all, then (more often) the two shapes with values of any type
    *[st.fixed_dictionaries({"items": field(st.lists(st.one_of(json_feed_items, json_feed_items, json_feed_items,
                                                                json_values), min_size=1, max_size=6))},
                          optional={"version": field(st.just("https://jsonfeed.org/version/1.1")),
                                    "title": field(st.text(max_size=20))})] * 3,
    st.fixed_dictionaries({"children": field(st.lists(st.one_of(jf2_children, jf2_children, jf2_children,
                                                                 json_values), min_size=1, max_size=6))},
                          optional={"type": field(st.just("feed"))}))


def check(parsed) -> None:
    assert isinstance(parsed, Parsed) and isinstance(parsed.entries, tuple)
    assert all(isinstance(note, str) for note in parsed.notes)
    now = dt.datetime.now(dt.timezone.utc)
    for entry in parsed.entries:
        assert isinstance(entry, Entry)
        assert entry.guid is None or (isinstance(entry.guid, str) and len(entry.guid) <= FIELD_LIMITS["guid"])
        for name in ("title", "author", "text", "excerpt"):
            assert isinstance(getattr(entry, name), str)
        assert len(entry.title) <= FIELD_LIMITS["title"] and len(entry.author) <= FIELD_LIMITS["author"]
        assert len(entry.text) <= FIELD_LIMITS["text"] and len(entry.excerpt) <= EXCERPT
        for link in (entry.link, *entry.links):
            assert link is None or (isinstance(link, str) and link.lower().startswith(("http://", "https://")))
        assert len(entry.links) <= MAX_LINKS
        if entry.published is not None:
            assert entry.published.utcoffset() == dt.timedelta(0)
            assert dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc) <= entry.published <= now + dt.timedelta(days=1)


def outcome(data: bytes, content_type: str = ""):
    try:
        parsed = parse(data, BASE, content_type)
    except ParseError as error:
        assert str(error) and "Error" not in str(error)  # French, not a library's words
        event("ParseError")
        return None
    check(parsed)
    event("entries" if parsed.entries else "no entries")
    return parsed


@SETTINGS
@given(json_documents, st.sampled_from(["application/feed+json", "application/json", ""]))
def test_json_feed_and_jf2_of_any_types_parse_or_raise_parse_error(document, content_type):
    outcome(json.dumps(document).encode(), content_type)


@SETTINGS
@given(json_documents, st.binary(max_size=8), st.integers(min_value=0, max_value=200))
def test_damaged_json_parses_or_raises_parse_error(document, noise, at):
    data = json.dumps(document).encode()
    outcome(data[:at] + noise + data[at:], "application/json")


TAGS = ["rss", "channel", "item", "title", "link", "guid", "description", "pubDate", "author", "content:encoded",
        "feed", "entry", "id", "updated", "published", "summary", "content", "rdf:RDF", "dc:date", "x"]
texts = st.one_of(st.text(max_size=40), html_text, dates, urls,
                  st.sampled_from(["Sat, 21 Nov 2026 10:00:00 +0100", "Mon, 31 Feb 2026 25:61:00 -9999",
                                   "&amp;", "&nbsp;", "&#0;", "&#xD800;", "]]>", "<![CDATA[<p>x</p>]]>"]))


@st.composite
def xml_tree(draw, depth=0):
    tag = draw(st.sampled_from(TAGS))
    attributes = draw(st.dictionaries(st.sampled_from(["href", "rel", "type", "version", "xml:base", "isPermaLink"]),
                                      st.one_of(urls, st.text(max_size=10)), max_size=2))
    head = tag + "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items())
    if depth >= 3:
        children = [escape(draw(texts))]
    else:
        children = draw(st.lists(st.one_of(texts.map(escape), texts, xml_tree(depth + 1)), max_size=4))
    return f"<{head}>{''.join(children)}</{tag}>"


@st.composite
def plausible_feed(draw):
    """RSS 2.0 or Atom with the usual elements, random values, and random trees among them."""
    atom = draw(st.booleans())
    names = (["title", "link", "id", "updated", "published", "summary", "content", "author"] if atom else
             ["title", "link", "guid", "description", "pubDate", "author", "content:encoded"])
    entries = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        parts = []
        for name in draw(st.lists(st.sampled_from(names), max_size=7)):
            value = draw(texts)
            if atom and name == "link":
                parts.append(f"<link href={quoteattr(value)}/>")
            else:
                parts.append(f"<{name}>{escape(value) if draw(st.booleans()) else value}</{name}>")
        parts += draw(st.lists(xml_tree(2), max_size=1))
        entries.append(("<entry>{}</entry>" if atom else "<item>{}</item>").format("".join(parts)))
    if atom:
        return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{"".join(entries)}</feed>'
    return ('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>R</title>'
            f'{"".join(entries)}</channel></rss>')


@SETTINGS
@given(st.one_of(xml_tree(), plausible_feed(), plausible_feed()),
       st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "windows-1252", "nimporte"]),
       st.sampled_from(["application/rss+xml", "text/xml; charset=utf-8", "application/atom+xml", "text/html", ""]))
def test_rss_and_atom_of_any_shape_parse_or_raise_parse_error(tree, encoding, content_type):
    document = f'<?xml version="1.0" encoding="{encoding}"?>{tree}'
    try:
        data = document.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        data = document.encode("utf-8", "surrogatepass")
    outcome(data, content_type)


@SETTINGS
@given(plausible_feed(), st.binary(max_size=12), st.integers(min_value=0, max_value=400))
def test_damaged_rss_parses_or_raises_parse_error(tree, noise, at):
    data = f'<?xml version="1.0"?>{tree}'.encode("utf-8", "surrogatepass")
    outcome(data[:at] + noise + data[at:], "application/rss+xml")


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["application/rss+xml", "application/json", "", "text/html"]))
def test_any_bytes_parse_or_raise_parse_error(data, content_type):
    outcome(data, content_type)

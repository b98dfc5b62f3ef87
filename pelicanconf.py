"""Development settings for the Nénufar demo site.

`invoke build` reads this file; `invoke publish` reads publishconf.py, which
imports everything from here and overrides what differs in production.
"""

import os as _os
import re as _re
import sys as _sys

from unidecode import unidecode as _unidecode

_HERE = _os.path.dirname(_os.path.abspath(__file__))
# The plugins import one another by name: their folder must be importable for the
# plain `pelican` command too, not only for `invoke` (tasks.py adds it as well).
if _os.path.join(_HERE, "plugins") not in _sys.path:
    _sys.path.insert(0, _os.path.join(_HERE, "plugins"))
# `pelican content -s pelicanconf.py` runs the same checked and audited build as
# `invoke build`, and exits non-zero on any problem (plugins/publishing/command.py).
PELICAN_CLASS = "publishing.NenufarPelican"

AUTHOR = "Claire Morvan"
SITENAME = "Nénufar"
SITESUBTITLE = "Le marketing de la profondeur, de la conversation et de la fidélité"
SITE_DESCRIPTION = (
    "Un blog et une lettre sur le marketing qui respecte son public\u00a0: "
    "la profondeur plutôt que l’audience, la conversation plutôt que le porte-voix."
)
# `invoke serve` and `invoke livereload` listen on this address by default.
SITEURL = "http://localhost:8000"
RELATIVE_URLS = False

PATH = "content"
OUTPUT_PATH = "output/"
# Member-only artefacts (private feeds, newsletter editions) live here, never in output/.
PRIVATE_OUTPUT_PATH = _os.path.join(_HERE, "private")
# Where PRIVATE_OUTPUT_PATH is served to members, if it is (e.g. "https://membres.example/prive"):
# private feeds then point reserved images there; empty, they use a relative path (../images/x.png).
PRIVATE_SITEURL = ""
DELETE_OUTPUT_DIRECTORY = True
# Publishing the Markdown sources would publish gated parts: keep it off.
OUTPUT_SOURCES = False

TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
LOCALE = ("C",)  # dates are formatted with Babel, never with the system locale
DEFAULT_DATE = None  # an article without a date fails the build
WITH_FUTURE_DATES = True

ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
NEWSLETTER_PATHS = ["newsletter"]
STATIC_PATHS = ["images", "extra"]
ARTICLE_EXCLUDES = ["conversations"]
IGNORE_FILES = [".*", "*~", "#*#", "README.md"]

# Pretty, stable URLs in French.
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# A translation (« Lang: en », same slug) lives under its language: /en/slug/.
ARTICLE_LANG_URL = "{lang}/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
DRAFT_LANG_URL = "brouillons/{lang}/{slug}/"
DRAFT_LANG_SAVE_AS = "brouillons/{lang}/{slug}/index.html"
DRAFT_PAGE_LANG_URL = "brouillons/pages/{lang}/{slug}/"
DRAFT_PAGE_LANG_SAVE_AS = "brouillons/pages/{lang}/{slug}/index.html"
DRAFT_URL = "brouillons/{slug}/"
DRAFT_SAVE_AS = "brouillons/{slug}/index.html"
DRAFT_PAGE_URL = "brouillons/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "brouillons/pages/{slug}/index.html"
DEFAULT_CATEGORY = "Carnet"  # a text without « Category: » (Pelican says "misc"); `invoke new` writes it
CATEGORY_URL = "rubrique/{slug}/"
CATEGORY_SAVE_AS = "rubrique/{slug}/index.html"
CATEGORIES_URL = "rubriques/"
CATEGORIES_SAVE_AS = "rubriques/index.html"
TAG_URL = "etiquette/{slug}/"
TAG_SAVE_AS = "etiquette/{slug}/index.html"
TAGS_URL = "etiquettes/"
TAGS_SAVE_AS = "etiquettes/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
SEARCH_URL = "recherche/"
SEARCH_SAVE_AS = "recherche/index.html"
NOT_FOUND_SAVE_AS = "404.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "archives", "search", "not_found"]
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None}

# Newsletter issues: content of their own kind (plugins/newsletter).
NEWSLETTER_URL = "lettre/{number}/"
NEWSLETTER_SAVE_AS = "lettre/{number}/index.html"
NEWSLETTER_INDEX_URL = "lettre/"
NEWSLETTER_INDEX_SAVE_AS = "lettre/index.html"

# Slugs: "L'avenir est aux communautés" -> "l-avenir-est-aux-communautes".
SLUG_REGEX_SUBSTITUTIONS = [
    (r"['’]", "-"),
    (r"[^\w\s-]", ""),
    (r"(?u)\A\s*", ""),
    (r"(?u)\s*\Z", ""),
    (r"[-\s]+", "-"),
]
CATEGORY_REGEX_SUBSTITUTIONS = SLUG_REGEX_SUBSTITUTIONS
TAG_REGEX_SUBSTITUTIONS = SLUG_REGEX_SUBSTITUTIONS


_NOT_SLUG = _re.compile(r"[^\w\s-]")
_SLUG_GAPS = _re.compile(r"[-\s]+")


def _heading_slug(value, separator):
    """Heading anchors transliterated like the page slugs ("Œuvre" -> "oeuvre")."""
    value = _unidecode(value).replace("'", "-").lower()
    return _SLUG_GAPS.sub(separator, _NOT_SLUG.sub("", value)).strip(separator)


MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {
            "footnotes": {
                "BACKLINK_TITLE": "Revenir à l’appel de note %d",
                "SUPERSCRIPT_TEXT": "{}",
            },
        },
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {
            "permalink": "#",
            "permalink_title": "Lien vers cette section",
            "slugify": _heading_slug,
            "toc_depth": "2-3",
        },
        "markdown.extensions.sane_lists": {},
    },
    "output_format": "html5",
}

# Feeds: full public content (gated parts are removed before any feed is written).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/tout.atom.xml"
FEED_ALL_RSS = "feeds/tout.rss.xml"
CATEGORY_FEED_ATOM = "feeds/rubrique-{slug}.atom.xml"
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
RSS_FEED_SUMMARY_ONLY = False
FEED_MAX_ITEMS = 20

DEFAULT_PAGINATION = 10
SUMMARY_MAX_LENGTH = 60

THEME = "theme"
THEME_STATIC_DIR = "theme"
THEME_STATIC_PATHS = ["static"]

# Content cache: the plugins work at content_object_init, which Pelican runs
# again for cached reader output, so the reader-level cache is safe.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CACHE_PATH = "cache"
GZIP_CACHE = False  # compressing the cache costs more time than it saves

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "french_typography",
    "tiers",  # before longform: reading time and contents see the public part only
    "longform",
    "newsletter",
    "discussion",
    "reactions",
    "engagement",
    "publishing",
    "search",
]

# tiers: the ladder, from the most open to the most reserved. Each tier: an id
# (used in `Tier:` and in `<!-- tier: abonnes -->`), a French label, a one-line
# promise and a call-to-action URL (relative to SITEURL, or absolute); optional:
# "cta" (the button's words) and "reserved_to" (« au Cercle »). The keys
# for in-page unlocking come from the environment: NENUFAR_KEY_ABONNES,
# NENUFAR_KEY_CERCLE (at least 16 characters), never from this file.
TIERS = [
    {"id": "public", "label": "Tout le monde",
     "promise": "Le début de chaque article, ouvert à toutes et à tous.",
     "url": "s-abonner/"},
    {"id": "abonnes", "label": "Abonnés",
     "promise": "La lettre et les articles en entier, avec les exemples, les chiffres et les méthodes.",
     "url": "s-abonner/", "cta": "S’abonner à la lettre",
     "member_cta": "Passer à l’édition des abonnés"},  # in the free edition: its readers are on the list
    {"id": "cercle", "label": "Le Cercle",
     "promise": "Les analyses les plus fouillées, les rencontres et la relecture des textes avant publication.",
     "url": "s-abonner/#rejoindre-le-cercle", "cta": "Rejoindre le Cercle"},
]

# newsletter: the email editions (`invoke newsletter`, `invoke send`). The URL
# templates take {token} (the subscriber's), {issue} and, for feedback, {answer}
# ("oui" or "non"); they point to whatever endpoint the author uses, and its pages
# should ask for confirmation, since link scanners open every link of a message.
NEWSLETTER_FROM = "Claire Morvan <claire@nenufar.example>"
NEWSLETTER_REPLY_TO = "Claire Morvan <claire@nenufar.example>"
AUTHOR_EMAIL = "claire@nenufar.example"  # receives the confirmed feedback
NEWSLETTER_LIST_ID = "lettre.nenufar.example"
NEWSLETTER_UNSUBSCRIBE_MAILTO = "desabonnement@nenufar.example"
# Relative ones are taken from SITEURL. By default they lead to the site's own
# pages (desabonnement/, avis/), which ask for confirmation and then prepare an
# email: no server needed.
NEWSLETTER_UNSUBSCRIBE_URL = "desabonnement/?jeton={token}"
NEWSLETTER_FEEDBACK_URL = "avis/?numero={issue}&reponse={answer}&jeton={token}"
NEWSLETTER_POSTAL_ADDRESS = "Claire Morvan, 12 rue des Nénuphars, 44000 Nantes, France"
# `invoke send`: the SMTP server. Each of these is overridden by NENUFAR_SMTP_HOST,
# NENUFAR_SMTP_PORT, NENUFAR_SMTP_TLS, NENUFAR_SMTP_USER, NENUFAR_SMTP_PASSWORD; the
# password belongs in the environment only.
SMTP_HOST = None
SMTP_PORT = None  # None: 465 with SMTP_TLS = "ssl", 587 otherwise
SMTP_TLS = "starttls"  # none, starttls or ssl
SMTP_USER = None
SMTP_RETRY_DELAYS = (2, 5, 15, 30)  # seconds between tries after a temporary refusal

# engagement: the address of the small web service (`invoke engagement.serve`) that
# takes subscriptions, one-click unsubscribes, feedback, comments, reports and
# topic ideas. Unset (None), the site keeps its mailto links and static pages.
ENGAGEMENT_URL = _os.environ.get("NENUFAR_ENGAGEMENT_URL") or None
SUBSCRIBE_TIER = "abonnes"  # the tier a new subscriber joins

# discussion: approved comments live in content/conversations/<article-slug>/<id>.md.
# The badge on the author's own replies (comment files with `Role: autrice`, written by
# `invoke comments.review --as-author`); « Auteur » for a man. A matching name or address
# never earns it.
AUTHOR_BADGE = "Autrice"
MOST_COMMENTED = 5  # articles in « Les plus commentés » on the home page
WEBMENTION_ENDPOINT = None  # e.g. "https://webmention.io/nenufar.example/webmention"
ISSO_URL = None  # optional live comments: the address of your Isso server, e.g. "https://commentaires.nenufar.example/"

# reactions: what the community says (reactions/sources.opml, `invoke reactions.fetch`,
# `invoke digest`). Keywords and hashtags that count as mentions of the brand:
REACTIONS_KEYWORDS = ["Nénufar", "#nenufar"]
REACTIONS_STORE = "reactions/reactions.sqlite3"
REACTIONS_DATA = "echos.json"  # in content/, written by `invoke digest`, read by the build

# tiers: the leak audit counts as published whatever a public source says (public
# parts, metadata, comments, the theme, these settings). Should it ever take for a
# leak a phrase the site prints on its own (a date the theme writes, a word of a
# template), add the phrase here, as it stands in the reserved part.
AUDIT_PUBLIC_PHRASES = []

# publishing writes sitemap.xml. Pages that ask not to be indexed (404, search,
# unsubscribe, feedback, drafts) are never in it; these output paths stay out too.
SITEMAP_EXCLUDE = []

# longform: reading time, table of contents, French dates.
READING_SPEED_WPM = 220
TOC_MIN_WORDS = 1000
TOC_MIN_HEADINGS = 3

# search: Pagefind indexes output/ at the end of every build.
PAGEFIND = True

# Social and structured data.
SOCIAL_IMAGE = None  # e.g. "images/partage.png" relative to SITEURL
TWITTER_HANDLE = None
MASTODON_PROFILE = None

MENUITEMS_PAGES = ["a-propos", "s-abonner"]
FOOTER_PAGES = ["mentions-legales"]
SUBSCRIBE_PAGE = "s-abonner"

# `invoke publish` target (rsync). Set in publishconf.py or through the
# environment variable NENUFAR_PUBLISH_TARGET, e.g. "claire@serveur:/var/www/nenufar/".
PUBLISH_TARGET = None

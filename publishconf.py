"""Production settings: everything from pelicanconf.py, with the real address.

`invoke publish` builds with this file and copies output/ with rsync.
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F401,F403

SITEURL = os.environ.get("NENUFAR_SITEURL", "https://nenufar.example")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Build from scratch for production: no stale cache.
LOAD_CONTENT_CACHE = False
PUBLISH_TARGET = os.environ.get("NENUFAR_PUBLISH_TARGET")
# Drafts are previewed locally under brouillons/; production builds write none.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_LANG_SAVE_AS = ""

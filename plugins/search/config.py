"""The search plugin's setting (merged and checked once by publishing.settings)."""

DEFAULTS = {
    "PAGEFIND": True,  # index output/ with Pagefind at the end of every build
    # keep Pagefind running between builds and give it only the pages that changed
    # (invoke livereload sets it; the service holds the index in memory)
    "PAGEFIND_LIVE": False,
}
PREFIXES = ("PAGEFIND",)

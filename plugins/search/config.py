"""The search plugin's setting (merged and checked once by publishing.settings)."""

DEFAULTS = {
    "PAGEFIND": True,  # index output/ with Pagefind at the end of every build
}
PREFIXES = ("PAGEFIND",)

"""The longform plugin's settings (merged and checked once by publishing.settings).
The reading speed, READING_SPEED_WPM, is publishing's: tiers and the newsletter read it too."""

DEFAULTS = {
    "TOC_MIN_WORDS": 1000,  # a table of contents for texts of at least this many words…
    "TOC_MIN_HEADINGS": 3,  # …and this many `##` headings
    "SOCIAL_IMAGE": None,  # image of shared links and of the JSON-LD, relative to SITEURL
}
PREFIXES = ("TOC_",)

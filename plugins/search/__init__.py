"""Search plugin: indexes the built site with Pagefind (French stemming comes
from <html lang="fr">). Setting: PAGEFIND (True) turns it on."""

from .config import DEFAULTS, PREFIXES, TYPES, check_settings
from .index import index_site, register

__all__ = ["DEFAULTS", "PREFIXES", "TYPES", "check_settings", "index_site", "register"]

"""Search plugin: indexes the built site with Pagefind (French stemming comes
from <html lang="fr">). Setting: PAGEFIND (True) turns it on."""

from .config import DEFAULTS, PREFIXES
from .index import index_site, register

__all__ = ["DEFAULTS", "PREFIXES", "index_site", "register"]

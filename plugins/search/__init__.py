"""Search plugin: indexes the built site with Pagefind (French stemming comes
from <html lang="fr">). Setting: PAGEFIND (True) turns it on."""

from .index import index_site, register

__all__ = ["index_site", "register"]

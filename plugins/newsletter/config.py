"""The newsletter plugin's settings: the issues as pages, the email editions,
and the SMTP server of `invoke send` (merged and checked once by
publishing.settings; each SMTP_* setting is overridden by NENUFAR_SMTP_*)."""

from __future__ import annotations

DEFAULTS = {
    "NEWSLETTER_URL": "lettre/{number}/",
    "NEWSLETTER_SAVE_AS": "lettre/{number}/index.html",
    "NEWSLETTER_DRAFT_URL": "brouillons/lettre/{number}/",  # a draft issue, for review (never in production)
    "NEWSLETTER_DRAFT_SAVE_AS": "brouillons/lettre/{number}/index.html",
    "NEWSLETTER_INDEX_URL": "lettre/",
    "NEWSLETTER_INDEX_SAVE_AS": "lettre/index.html",
    "NEWSLETTER_FEED_ATOM": "feeds/lettre.atom.xml",
    # Pages behind the unsubscribe and feedback links of the editions: they ask
    # before acting, since mail scanners open every link of a message.
    "NEWSLETTER_UNSUBSCRIBE_SAVE_AS": "desabonnement/index.html",
    "NEWSLETTER_FEEDBACK_SAVE_AS": "avis/index.html",
    # The email editions. None: « AUTHOR <AUTHOR_EMAIL> », and replies to it.
    "NEWSLETTER_FROM": None,
    "NEWSLETTER_REPLY_TO": None,
    "NEWSLETTER_LIST_ID": "lettre.nenufar.example",
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": None,
    # Link templates, relative to SITEURL or absolute: {token}, {issue}, {answer} (oui, non).
    "NEWSLETTER_UNSUBSCRIBE_URL": "desabonnement/?jeton={token}",
    "NEWSLETTER_FEEDBACK_URL": "avis/?numero={issue}&reponse={answer}&jeton={token}",
    "NEWSLETTER_SUBSCRIBE_URL": "s-abonner/",
    "NEWSLETTER_IDEAS_URL": None,  # {token}: « Vos idées » in the editions (set by engagement); None: no link
    "NEWSLETTER_POSTAL_ADDRESS": "",
    "NEWSLETTER_ECHOES": 8,  # reactions in « Ils en parlent » of an edition
    "NEWSLETTER_EDITION": None,  # an issue number or "latest": render its editions (set by the CLI)
    # `invoke send`.
    "SMTP_HOST": None,
    "SMTP_PORT": None,  # None: 465 with SMTP_TLS = "ssl", 587 otherwise
    "SMTP_TLS": "starttls",  # none, starttls or ssl
    "SMTP_USER": None,
    "SMTP_RETRY_DELAYS": (2, 5, 15, 30),  # seconds between tries after a temporary refusal
}
PREFIXES = ("NEWSLETTER_", "SMTP_")
TYPES = {"SMTP_PORT": int, "NEWSLETTER_EDITION": (str, int)}
REFUSED = {"SMTP_PASSWORD": "le mot de passe SMTP ne s’écrit pas dans les réglages, qui sont versionnés\u202f; "
                            "donnez-le par la variable d’environnement NENUFAR_SMTP_PASSWORD"}

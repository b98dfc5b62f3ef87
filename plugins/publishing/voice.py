"""One voice for the reader: « vous » or « tu », chosen once (VOUVOIEMENT).

Templates write both forms where they address the reader,
`{{ "Votre clé"|voix("Ta clé") }}`; the filter keeps the one the settings
choose. The site's templates read the setting from their context (Pelican puts
every setting there), the email templates from `settings`.
"""

from __future__ import annotations

from jinja2 import pass_context


@pass_context
def voix(context, vous: str, tu: str) -> str:
    settings = context.get("settings")
    chosen = context.get("VOUVOIEMENT", settings.get("VOUVOIEMENT", True) if isinstance(settings, dict) else True)
    return vous if chosen else tu


def add_voice_filter(generator) -> None:
    generator.env.filters["voix"] = voix

"""French typography plugin: a text pass over titles, bodies and summaries.

Runs at content_object_init, on the HTML that the reader produced, before any
template or feed sees it; also exposes a `typo` Jinja filter for templates.
Content whose `Lang:` is not French is left alone.
"""

from pelican import signals

from .typography import fix_html, fix_text

__all__ = ["fix_html", "fix_text", "register"]


def _is_french(instance) -> bool:
    lang = getattr(instance, "lang", None) or instance.settings.get("DEFAULT_LANG", "fr")
    return lang.lower().startswith("fr")


def typeset_content(instance):
    if not _is_french(instance) or type(instance).__name__ == "Static":
        return
    if getattr(instance, "_content", None):
        instance._content = fix_html(instance._content)
    title = getattr(instance, "title", None)
    if title:
        instance.title = fix_html(title)
        instance.metadata["title"] = instance.title
    summary = instance.metadata.get("summary")
    if summary:
        instance._summary = fix_html(summary)
        instance.metadata["summary"] = instance._summary


def add_filter(generator):
    generator.env.filters.setdefault("typo", fix_html)


def register():
    signals.content_object_init.connect(typeset_content)
    signals.generator_init.connect(add_filter)

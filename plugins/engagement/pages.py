"""The service's HTML pages, in French: short, plain, no script, every form a
plain HTML form. Every value shown is escaped; links lead to the site only."""

from __future__ import annotations

from html import escape

from .forms import HONEYPOT

HEADERS = {
    # No script, no frame, no third party; forms post here only. Tokens travel in
    # addresses: never in a Referer to another site.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers post « Origin: null »
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_STYLE = ("body{font:1.1rem/1.6 Georgia,serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d2a24}"
          "h1{font-size:1.6rem;line-height:1.25}button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;"
          "border:0;background:#1f5c46;color:#fff;cursor:pointer}label{display:block;margin-top:1rem}"
          "input,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}"
          ".piege{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}")


def page(settings: dict, title: str, body: str) -> str:
    site = escape(settings.get("SITENAME") or "Nénufar")
    home = escape(settings.get("SITEURL") or "/", quote=True)
    return (f"<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta name=\"robots\" content=\"noindex\"><title>{escape(title)} — {site}</title>"
            f"<style>{_STYLE}</style></head><body><main><h1>{escape(title)}</h1>\n{body}\n"
            f"<p><a href=\"{home}/\">Retour à {site}</a></p></main></body></html>\n")


def hidden(name: str, value) -> str:
    return f"<input type=\"hidden\" name=\"{escape(name, quote=True)}\" value=\"{escape(str(value), quote=True)}\">"


def button_form(action: str, fields: dict, label: str, form_id: str = "") -> str:
    inputs = "".join(hidden(k, v) for k, v in fields.items())
    ident = f" id=\"{escape(form_id, quote=True)}\"" if form_id else ""
    return (f"<form method=\"post\" action=\"{escape(action, quote=True)}\"{ident}>{inputs}"
            f"<button type=\"submit\">{escape(label)}</button></form>")


def honeypot_field() -> str:
    return (f"<div class=\"piege\" aria-hidden=\"true\"><label>Ne pas remplir<input name=\"{HONEYPOT}\" "
            "tabindex=\"-1\" autocomplete=\"off\"></label></div>")


def subscribe_form(action: str, form_token: str) -> str:
    return (f"<form method=\"post\" action=\"{escape(action, quote=True)}\">{hidden('formulaire', form_token)}"
            "<label>Adresse électronique<input type=\"email\" name=\"courriel\" required maxlength=\"320\" "
            "autocomplete=\"email\"></label><label>Prénom ou nom (facultatif)<input name=\"nom\" maxlength=\"200\" "
            f"autocomplete=\"name\"></label>{honeypot_field()}<p><button type=\"submit\">S’abonner</button></p></form>")


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"

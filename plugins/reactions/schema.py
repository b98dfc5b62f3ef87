"""The shapes of JSON Feed (1.0, 1.1) and jf2 (webmention.io's export), as JSON Schema.

Only the fields the reader uses are described, with their types; other fields
are allowed and ignored. The feed itself must have the right shape, or the
source is in error; an item of the wrong shape is left out and counted, the
others are read. Messages are French and name the field (`items[3].title`).
"""

from __future__ import annotations

import json

import fastjsonschema

_TEXT = {"type": ["string", "null"]}
_PERSON = {"type": "object", "properties": {"name": _TEXT, "url": _TEXT}}

JSON_FEED = {
    "type": "object",
    "required": ["items"],
    "properties": {"version": _TEXT, "title": _TEXT, "home_page_url": _TEXT, "feed_url": _TEXT,
                   "items": {"type": "array"}},
}
JSON_FEED_ITEM = {
    "type": "object",
    "properties": {
        # The spec says a string, and readers must accept a number (1.1, « id »).
        "id": {"type": ["string", "integer", "number", "null"]},
        "url": _TEXT, "external_url": _TEXT, "title": _TEXT, "content_html": _TEXT, "content_text": _TEXT,
        "summary": _TEXT, "date_published": _TEXT, "date_modified": _TEXT,
        "author": {"anyOf": [_PERSON, {"type": "null"}]},
        "authors": {"anyOf": [{"type": "array", "items": _PERSON}, {"type": "null"}]},
    },
}
JF2_FEED = {"type": "object", "required": ["children"], "properties": {"children": {"type": "array"}}}
JF2_ITEM = {
    "type": "object",
    "properties": {
        "wm-id": {"type": ["string", "integer", "null"]},
        "url": _TEXT, "name": _TEXT, "published": _TEXT, "wm-received": _TEXT, "wm-target": _TEXT,
        "wm-property": _TEXT,
        "author": {"anyOf": [_PERSON, {"type": "null"}]},
        "content": {"anyOf": [{"type": "object", "properties": {"html": _TEXT, "text": _TEXT}}, {"type": "null"}]},
    },
}

_CHECKS = {name: fastjsonschema.compile(schema) for name, schema in
           (("json_feed", JSON_FEED), ("json_feed_item", JSON_FEED_ITEM), ("jf2", JF2_FEED),
            ("jf2_item", JF2_ITEM))}
_DESCRIBED = {"author": "un objet {name, url}", "authors": "une liste d’objets {name, url}",
              "content": "un objet {html, text}"}
_TYPES = {"string": "un texte", "null": "null", "integer": "un nombre entier", "number": "un nombre",
          "object": "un objet", "array": "une liste", "boolean": "un booléen"}


def kind_of(value) -> str:
    """The JSON type of `value`, in French."""
    if isinstance(value, bool):
        return "un booléen"
    if value is None:
        return "null"
    return {int: "un nombre", float: "un nombre", str: "un texte", list: "une liste",
            dict: "un objet"}.get(type(value), "une valeur")


def _shown(value) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return ""
    return text if len(text) <= 30 else text[:29] + "…"


def _where(path: list[str], prefix: str) -> str:
    where = prefix
    for part in path[1:]:  # path[0] is "data"
        where += f"[{part}]" if part.isdigit() else (f".{part}" if where else part)
    return where or "(racine)"


def check(name: str, value, prefix: str = "") -> str | None:
    """None when `value` has the shape `name` describes, else a French problem."""
    try:
        _CHECKS[name](value)
    except fastjsonschema.JsonSchemaValueException as error:
        where = _where(list(error.path or ["data"]), prefix)
        if error.rule == "required":
            missing = ", ".join(str(k) for k in error.rule_definition or ())
            return f"{where}\u00a0: champ obligatoire manquant ({missing})"
        expected = error.rule_definition if error.rule == "type" else None
        if isinstance(expected, str):
            expected = [expected]
        if expected:
            wanted = " ou ".join(_TYPES.get(t, t) for t in expected if t != "null")
        else:  # anyOf: an object or null, named by its field
            wanted = _DESCRIBED.get(str((error.path or [""])[-1]), "une autre forme")
        shown = _shown(error.value)
        return f"{where}\u00a0: attendu {wanted}, trouvé {kind_of(error.value)}" + (f" ({shown})" if shown else "")
    return None

"""Why a file could not be read, in French, from the exception a library raised.

Libraries explain themselves in English (« Expecting value: line 1 column 1
(char 0) », « [Errno 2] No such file or directory », « file is not a database »).
The author reads `reason(error)`: what is wrong and where, in her language; the
original words stay in the exception for whoever debugs.
"""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET

_OS = {2: "fichier introuvable", 13: "lecture refusée\u00a0: droits insuffisants",
       21: "c’est un dossier, pas un fichier", 20: "un élément du chemin n’est pas un dossier",
       36: "nom de fichier trop long", 40: "trop de liens symboliques"}


def reason(error: BaseException) -> str:
    """A short French reason (no file name: the caller says which file)."""
    if isinstance(error, json.JSONDecodeError):
        return f"JSON mal formé, ligne {error.lineno}, colonne {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return f"texte qui n’est pas en UTF-8 (octet n°\u00a0{error.start + 1})"
    if isinstance(error, RecursionError):
        return "structure imbriquée trop profondément"
    if isinstance(error, ET.ParseError):
        line, column = getattr(error, "position", (0, 0))
        return f"XML mal formé, ligne {line}, colonne {column}"
    if isinstance(error, sqlite3.DatabaseError):
        return "pas une base SQLite lisible" if "not a database" in str(error) or "malformed" in str(error) \
            else "base SQLite d’une autre forme que celle attendue"
    if isinstance(error, re.error):
        where = f", position {error.pos + 1}" if error.pos is not None else ""
        return f"expression régulière incorrecte{where}"
    if isinstance(error, OSError):
        if error.errno in _OS:
            return _OS[error.errno]
        return f"lecture impossible (erreur système n°\u00a0{error.errno})" if error.errno else "lecture impossible"
    if isinstance(error, ValueError):
        return "contenu illisible"
    return f"erreur inattendue ({type(error).__name__})"

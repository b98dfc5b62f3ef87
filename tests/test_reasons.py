"""Why a file could not be read, said in French whatever library failed."""

import json
import re
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from shared import reason


def raised(action):
    try:
        action()
    except BaseException as error:  # noqa: BLE001 - the point is to catch what the library throws
        return error
    raise AssertionError("nothing raised")


@pytest.mark.parametrize("action, expected", [
    (lambda: json.loads('{"a": }'), "JSON mal formé, ligne 1, colonne 7"),
    (lambda: json.loads("[" * 100_000), "structure imbriquée trop profondément"),
    (lambda: b"caf\xe9".decode("utf-8"), "texte qui n’est pas en UTF-8 (octet n°\u00a04)"),
    (lambda: ET.fromstring("<a><b></a>"), "XML mal formé, ligne 1, colonne 8"),
    (lambda: open("/nulle/part/ici"), "fichier introuvable"),
    (lambda: open("/"), "c’est un dossier, pas un fichier"),
    (lambda: re.compile("(a"), "expression régulière incorrecte, position 1"),
    (lambda: sqlite3.connect(":memory:").execute("SELECT * FROM absente"),
     "base SQLite d’une autre forme que celle attendue"),
])
def test_each_library_failure_is_said_in_french(action, expected):
    assert reason(raised(action)) == expected

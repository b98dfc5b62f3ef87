"""The CLI speaks French to the author even when she types it wrong: invoke's own
messages (task list, help, missing or wrong arguments) included, never a traceback."""

import re

import pytest

from test_cli import TASKS, invoke

# Words of invoke's and Python's English messages; none is a French word.
ENGLISH = re.compile(r"\b(the|did|receive|required|positional|available|tasks|idea|flag|needed|given|"
                     r"traceback|error|docstring|none|could|convert|string|invalid|literal|such|directory|"
                     r"options:|usage:|is!)(?=\W|$)", re.IGNORECASE)
# Tasks with arguments that must be given, and what is missing when none is.
REQUIRED = {"new": "--title", "send": "--issue", "unsubscribes": "--mailbox",
            "comments.import": "--source", "reactions.import-opml": "--file", "reactions.export-opml": "--file",
            "subscribers.import": "--file", "subscribers.export": "--file", "subscribers.tier": "--email et --tier",
            "subscribers.forget": "--email"}
GIVEN = {"new": ["--title", "Un titre"], "send": ["--issue", "2", "--subscribers", "abonnes.csv"],
         "unsubscribes": ["--mailbox", "boite"], "comments.import": ["--source", "boite"],
         "reactions.import-opml": ["--file", "a.opml"], "reactions.export-opml": ["--file", "a.opml"],
         "subscribers.import": ["--file", "a.csv"], "subscribers.export": ["--file", "a.csv"],
         "subscribers.tier": ["--email", "lena@exemple.fr", "--tier", "cercle"],
         "subscribers.forget": ["--email", "lena@exemple.fr"]}


def french_failure(done) -> str:
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert "Traceback" not in text, text
    assert not ENGLISH.search(text), f"English in: {text!r}"
    return text


def test_the_task_list_is_french(project):
    done = invoke(project, "--list")
    assert done.stdout.startswith("Commandes disponibles\u00a0:\n"), done.stdout
    assert not ENGLISH.search(done.stdout)


@pytest.mark.parametrize("task", TASKS)
def test_each_task_help_is_french(project, task):
    done = invoke(project, "--help", task)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage\u00a0: inv[oke] {task}"), done.stdout
    assert "Options\u00a0:" in done.stdout
    assert not ENGLISH.search(done.stdout), done.stdout


@pytest.mark.parametrize("task", TASKS)
def test_an_unknown_option_is_refused_in_french(project, task):
    text = french_failure(invoke(project, task, *GIVEN.get(task, []), "--nope"))
    assert "«\u202f--nope\u202f» n’est ni une commande ni une option connue" in text


@pytest.mark.parametrize("task", sorted(REQUIRED))
def test_missing_arguments_are_named_in_french(project, task):
    text = french_failure(invoke(project, task))
    assert f"«\u202finvoke {task}\u202f»\u00a0: il manque {REQUIRED[task]}" in text
    assert f"«\u202finvoke --help {task}\u202f»" in text


@pytest.mark.parametrize("args, expected", [
    (["serve", "--port", "abc"], "l’option --port attend un nombre entier, pas «\u202fabc\u202f»."),
    (["send", "--issue", "2", "--subscribers", "abonnes.csv", "--rate", "vite"],
     "l’option --rate attend un nombre"),
    (["newsletter", "--issue", "deux"], "--issue attend un numéro de la lettre (par exemple 2)"),
    (["digest", "--since", "une semaine"], "--since «\u202fune semaine\u202f»\u00a0: attendu un nombre de jours"),
    (["build", "--conf"], "l’option --conf attend une valeur."),
    (["nulle-part"], "«\u202fnulle-part\u202f» n’est ni une commande ni une option connue"),
    # A positional argument takes the next word, option or not: a title that looks like one is refused.
    (["new", "--nope"], "«\u202f--nope\u202f» ressemble à une option, pas à un titre"),
])
def test_wrong_values_are_refused_in_french(project, args, expected):
    assert expected in french_failure(invoke(project, *args))
    assert not (project / "content" / "articles").exists()  # nothing written on the way


def test_no_message_hedges_its_plural():
    """« 1 destinataires », « 2 source(s) »: counts go through shared.plural (French rules, via Babel)."""
    import ast

    from conftest import ROOT

    hedged = re.compile(r"\w\((?:s|x|es)\)")
    found = []
    for path in sorted([*ROOT.glob("plugins/**/*.py"), ROOT / "tasks.py"]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and hedged.search(node.value.replace("http(s)", ""))]
    assert found == []


def test_plural_follows_french_rules():
    from shared import plural

    assert [plural(n, "source") for n in (0, 1, 2, 12000)] == ["0 source", "1 source", "2 sources",
                                                             "12\u202f000 sources"]
    assert plural(3, "nouveau commentaire", "nouveaux commentaires") == "3 nouveaux commentaires"
    assert plural(2, "nouvelle entrée") == "2 nouvelles entrées"


def test_the_library_s_own_words_only_with_verbose(project):
    (project / "casse.json").write_text("[{", encoding="utf-8")
    quiet = invoke(project, "comments.import", "casse.json")
    assert "export JSON illisible (JSON mal formé, ligne 1, colonne 3)" in french_failure(quiet)
    verbose = invoke(project, "comments.import", "casse.json", "--verbose")
    assert verbose.returncode == 1 and "Traceback" not in verbose.stderr
    assert "Détail technique\u00a0: JSONDecodeError: Expecting property name" in verbose.stderr

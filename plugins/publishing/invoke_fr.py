"""invoke's own words, in French.

invoke prints its task list, a task's help and its argument errors in English,
from the `invoke` program itself. tasks.py is loaded before any of them is
printed, so it calls `install()`: the three places are replaced here (invoke
is pinned, and tests/test_cli.py runs every task with missing and wrong
arguments, so an upgrade that moves them fails there, not in an author's face).
"""

from __future__ import annotations

import inspect
import re

from invoke.exceptions import ParseError
from invoke.parser.argument import Argument
from invoke.program import Program

_PLACEHOLDERS = {"STRING": "TEXTE", "INT": "NOMBRE", "FLOAT": "NOMBRE"}


def _flag(text: str) -> str:
    """`<Argument: issue (i)>` or `'--issue'` → `--issue`."""
    found = re.search(r"<Argument: ([\w-]+)", text) or re.search(r"'-*([\w-]+)'", text)
    return "--" + found.group(1).replace("_", "-") if found else text


def _names(listed: str) -> list[str]:
    return ["--" + name.replace("_", "-") for name in re.findall(r"'([\w-]+)'", listed)]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def french(message: str) -> str:
    """One of invoke's parser messages, in French; an unknown one says so and keeps its words."""
    found = re.fullmatch(r"'([\w.-]+)' did not receive required positional arguments: (.*)", message)
    if found:
        missing = _names(found.group(2))
        return (f"«\u202finvoke {found.group(1)}\u202f»\u00a0: il manque {_and(missing)} "
                f"(«\u202finvoke --help {found.group(1)}\u202f» les décrit).")
    found = re.fullmatch(r"No idea what '?(.*?)'? is!", message)
    if found:
        return (f"«\u202f{found.group(1)}\u202f» n’est ni une commande ni une option connue "
                "(«\u202finvoke --list\u202f» montre les commandes).")
    found = re.fullmatch(r"Flag (.*) needed value and was not given one!", message)
    if found:
        return f"l’option {_flag(found.group(1))} attend une valeur."
    found = re.fullmatch(r"Flag (.*) doesn't take any value!", message)
    if found:
        return f"l’option {_flag(found.group(1))} ne prend pas de valeur."
    found = re.fullmatch(r"(.*) is ambiguous when given after an optional-value flag", message)
    if found:
        return f"«\u202f{found.group(1)}\u202f» est ambigu après une option dont la valeur est facultative."
    return f"arguments incorrects (invoke dit\u00a0: {message})"


class ValueRefused(ParseError):
    """A value invoke could not convert (`--rate abc`), said in French by us."""


def _parse_error_text(error: ParseError) -> str:
    message = str(error.args[0]) if error.args else ""
    return "Erreur\u00a0: " + (message if isinstance(error, ValueRefused) else french(message))


_set_value = Argument.set_value


def _checked_set_value(self, value, cast: bool = True) -> None:
    try:
        _set_value(self, value, cast)
    except ValueError:
        wanted = {int: "un nombre entier", float: "un nombre (par exemple 2,5 s’écrit 2.5)"}.get(self.kind, "autre chose")
        raise ValueRefused(f"l’option --{self.name.replace('_', '-')} attend {wanted}, pas «\u202f{value}\u202f».") \
            from None


def _task_list_opener(self, extra: str = "") -> str:
    return "Commandes disponibles" + (f" ({extra})" if extra else "")


def _display_with_columns(self, pairs, extra: str = "") -> None:
    print(f"{self.task_list_opener(extra=extra)}\u00a0:\n")
    self.print_columns(pairs)


def _print_task_help(self, name: str) -> None:
    tuples = [(re.sub(r"\b(STRING|INT|FLOAT)\b", lambda m: _PLACEHOLDERS[m.group(1)], spec), text)
              for spec, text in self.parser.contexts[name].help_tuples()]
    print(f"Usage\u00a0: {self.binary} {name}{' [--options]' if tuples else ''}")
    print("")
    for line in (inspect.getdoc(self.collection[name]) or "").splitlines():
        print(self.leading_indent + line if line.strip() else "")
    print("")
    print("Options\u00a0:")
    if tuples:
        self.print_columns(tuples)
    else:
        print(self.leading_indent + "aucune")
        print("")


def install() -> None:
    """Make the running `invoke` program speak French (once: the originals are kept above)."""
    ParseError.__str__ = _parse_error_text
    Program.task_list_opener = _task_list_opener
    Program.display_with_columns = _display_with_columns
    Argument.set_value = _checked_set_value
    Program.print_task_help = _print_task_help

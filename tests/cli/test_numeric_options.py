"""Every numeric option of every command, given a value that is not a number, prints one
``error:`` line that names the option and echoes the value (issue 9: ``--value abc`` printed a
five-line box, then a message without the value). The options are found in the command tree,
so a new command is covered without editing this file."""

from __future__ import annotations

import typing

import pytest
import typer
from bad_input import check_bad_input

from hepar.cli import app


def _numeric(annotation: object) -> str | None:
    """``"int"`` or ``"float"`` when ``annotation`` is one (or a list or optional of one)."""
    if annotation in (int, float):
        return annotation.__name__  # type: ignore[union-attr]
    for inner in typing.get_args(annotation):
        kind = _numeric(inner)
        if kind is not None:
            return kind
    return None


def _numeric_options() -> list[tuple[tuple[str, ...], str, str]]:
    found = []

    def walk(command: typing.Any, path: tuple[str, ...]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))
        for param in getattr(command, "params", []):
            descriptor = getattr(param, "type_descriptor", None)
            kind = _numeric(getattr(descriptor, "annotation", None))
            if kind is not None and param.opts[0].startswith("--"):
                found.append((path, param.opts[0], kind))

    walk(typer.main.get_command(app), ())
    return found


OPTIONS = _numeric_options()


def test_the_command_tree_has_numeric_options():
    # the discovery itself works (one of each kind at least, in commands known to have them)
    assert (("ctcae", "grade"), "--value", "float") in OPTIONS
    assert (("phantom",), "--seed", "int") in OPTIONS


@pytest.mark.parametrize(("path", "option", "kind"), OPTIONS,
                         ids=[f"{' '.join(p)} {o}" for p, o, _ in OPTIONS])
@pytest.mark.parametrize("value", ["abc", "1,5", ""])
def test_a_value_that_is_not_a_number_is_one_line_with_the_value(capsys, path, option, kind,
                                                                 value):
    line = check_bad_input(capsys, [*path, option, value], option)
    assert f"{option} = {value!r}" in line, line
    assert ("integer" if kind == "int" else "number") in line, line


@pytest.mark.parametrize(("path", "option", "kind"),
                         [o for o in OPTIONS if o[2] == "int"],
                         ids=[f"{' '.join(p)} {o}" for p, o, k in OPTIONS if k == "int"])
def test_a_fraction_for_a_whole_number_is_one_line_with_the_value(capsys, path, option, kind):
    line = check_bad_input(capsys, [*path, option, "2.5"], option)
    assert f"{option} = '2.5'" in line, line

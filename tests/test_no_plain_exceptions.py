"""hepar raises its own errors (issue 15): every ``raise`` of a built-in exception class in
``src/hepar`` is a :class:`hepar.errors.HeparError` subclass instead, so the CLI can print one line
for it. The allow-list names the exceptions with their reason; a stale entry fails too."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "hepar"
#: Built-in errors (not the control-flow exceptions SystemExit, KeyboardInterrupt, StopIteration).
BUILTIN_ERRORS = {
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, Exception)
    and not issubclass(value, StopIteration | StopAsyncIteration)
}
ALLOWED = {
    ("clinical/_rule_evaluation.py", "TypeError"):
        "unreachable exhaustiveness guard over a closed union (pragma: no cover)",
    ("store/_codec.py", "ValueError"):
        "internal control flow: caught a few lines below and re-raised as InvalidValueError",
    ("store/migrations/env.py", "RuntimeError"):
        "Alembic's env script run outside hepar.store.upgrade: a developer's mistake, not a user's",
}


def _raised(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id in BUILTIN_ERRORS:
                names.append(target.id)
    return names


def test_no_plain_builtin_exception_is_raised():
    found = {
        (path.relative_to(SOURCE).as_posix(), name)
        for path in sorted(SOURCE.rglob("*.py")) for name in _raised(path)
    }
    assert sorted(found - set(ALLOWED)) == []
    assert sorted(set(ALLOWED) - found) == []

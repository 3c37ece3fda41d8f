"""The ``hepar`` command.

Each sub-command lives in its own module ``hepar.cli.cmd_<name>`` that defines
``register(app: typer.Typer) -> None``; the modules are found here, so adding a command never means
editing a shared file. Commands are thin: they parse options, call ``hepar.services`` and print.

A :class:`hepar.errors.HeparError` (the user's own mistake) is printed as one line on stderr and the
process exits with status 2; no traceback is shown for it.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from hepar import __version__
from hepar.errors import HeparError

__all__ = ["app", "main"]

app = typer.Typer(
    name="hepar",
    help="hepar: the HEPAR PLUS 166Ho radioembolization study, end to end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"hepar {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """hepar: the HEPAR PLUS 166Ho radioembolization study, end to end."""


def _register_commands() -> None:
    package = sys.modules[__name__]
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for a user error).

    Usage errors (a missing argument, a bad option value, an unknown command) are reported by
    Typer/Click itself in standalone mode: a usage line and exit status 2, never a traceback.
    """
    try:
        app(args=argv, prog_name="hepar", standalone_mode=True)
    except HeparError as error:
        typer.echo(f"error: {error}", err=True)
        return 2
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return int(done.code or 0)
        typer.echo(str(done.code), err=True)
        return 1
    return 0


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())

"""The ``hepar`` command.

Each sub-command lives in its own module ``hepar.cli.cmd_<name>`` that defines
``register(app: typer.Typer) -> None``; the modules are found here, so adding a command never means
editing a shared file. Commands are thin: they parse options, call ``hepar.services`` and print.

The error contract (README.md, "Errors and exit status") is kept in ONE place, :func:`main`, through
:func:`hepar.cli._errors.report`:

- a user's mistake (a :class:`hepar.errors.HeparError`, an option Typer/Click cannot parse, a file
  pydicom, nibabel or YAML cannot read, a path that cannot be read or written) prints one line
  ``error: ...`` on stderr and exits with status 2, never a traceback;
- anything else is an internal error: one line naming the exception and the log file that holds
  the traceback, exit status 1;
- SIGTERM and SIGINT stop the command through the normal unwinding, so that half-written outputs
  are removed (:mod:`hepar.io._atomic_output`); exit status 128 + signal number.

Importing this module imports none of numpy, scipy, pydicom, nibabel or SimpleITK: every command
imports what it needs inside its function, so ``hepar --version`` answers at once.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from hepar import __version__
from hepar.cli._errors import report, terminate_on_signals

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
    """Run the command line; return the exit status.

    0: done; 2: the user's mistake (one ``error:`` line on stderr); 1: an internal error (one line
    naming the log file with the traceback); 128 + N: stopped by signal N (SIGTERM, SIGINT).
    """
    with terminate_on_signals():
        try:
            result = app(args=argv, prog_name="hepar", standalone_mode=False)
        except BaseException as error:
            return report(error)
    return result if isinstance(result, int) else 0


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())

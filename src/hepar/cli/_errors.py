"""Exceptions to the CLI's one line and exit status: the one place that does it (README.md,
"Errors and exit status").

Kept free of heavy imports: the third-party exceptions (pydicom, nibabel, YAML, SimpleITK) are
recognised by the module they come from, so that this module never imports those libraries.
"""

from __future__ import annotations

import datetime
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import typer

from hepar.errors import HeparError

__all__ = ["EXIT_INTERNAL", "EXIT_USER", "Stopped", "one_line", "report", "terminate_on_signals"]

#: Exit status of a user's mistake (DESIGN.md).
EXIT_USER = 2
#: Exit status of an internal error (a bug: the traceback is in the log file named).
EXIT_INTERNAL = 1
#: Libraries whose own exceptions mean "this file cannot be read as that format".
_FILE_FORMAT_LIBRARIES = frozenset({"pydicom", "nibabel", "yaml", "SimpleITK", "highdicom"})
#: Environment variable naming the folder for internal-error logs (default: the temp folder).
LOG_DIR_VARIABLE = "HEPAR_LOG_DIR"


class Stopped(BaseException):
    """Raised in the main thread when SIGTERM arrives, so that ``finally`` blocks and the atomic
    outputs clean up before the process exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by signal {signum}")


def one_line(text: object) -> str:
    """``text`` on one line: line breaks (a parser's multi-line report) joined by ``"; "``."""
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _echo(message: str) -> None:
    typer.echo(f"error: {one_line(message)}", err=True)


def _library(error: BaseException) -> str:
    return type(error).__module__.split(".")[0]


def _os_message(error: OSError) -> str:
    where = error.filename if error.filename is not None else None
    reason = error.strerror or str(error) or type(error).__name__
    return f"{where}: {reason}" if where is not None else reason


def _click_kind(error: BaseException) -> str | None:
    """The name of the Click exception class ``error`` derives from (Typer ships its own copy of
    Click, ``typer._click``, so the classes are recognised by name and module, not imported)."""
    if _library(error) not in {"click", "typer"}:
        return None
    names = [cls.__name__ for cls in type(error).__mro__]
    for kind in ("NoArgsIsHelpError", "Exit", "Abort", "ClickException"):
        if kind in names:
            return kind
    return None


def _rejected_value(error: Any) -> tuple[str, str] | None:
    """(option, expected) of an option value Typer could not convert, with the value given.

    Typer converts option values with pydantic and raises Click's ``BadParameter`` from the
    ``ValidationError``, whose message ("Input should be a valid number ...") does not repeat
    the value; the value is the error's ``input``.
    """
    cause, param = error.__cause__, getattr(error, "param", None)
    errors = getattr(cause, "errors", None)
    if param is None or not callable(errors):
        return None
    try:
        first = errors()[0]
    except (IndexError, TypeError, KeyError):
        return None
    hint = error.param_hint if isinstance(error.param_hint, str) else None
    names = [*getattr(param, "opts", [])] or [str(getattr(param, "name", "value")).upper()]
    option = hint.strip("'\"") if hint else names[0]
    if "input" not in first:
        return None
    what = str(first.get("msg", "a valid value"))
    what = what[len("Input should be "):] if what.startswith("Input should be ") else what
    if what.startswith(("greater", "less")):
        what = f"a value {what}"
    return f"{option} = {first['input']!r}", what


def _usage_message(error: Any) -> str:
    rejected = _rejected_value(error)
    message = (f"{rejected[0]}: expected {rejected[1]}" if rejected is not None
               else error.format_message())
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        return f"{message} (see '{ctx.command_path} --help')"
    return message


def _write_log(error: BaseException) -> Path | None:
    """Write the traceback of an internal error to a log file; its path (``None``: not written)."""
    folder = Path(os.environ.get(LOG_DIR_VARIABLE) or tempfile.gettempdir())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"hepar-internal-error-{stamp}-{os.getpid()}.log"
    from hepar import __version__

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as log:
            log.write(f"hepar {__version__}\nargv: {sys.argv!r}\n\n")
            traceback.print_exception(type(error), error, error.__traceback__, file=log)
    except OSError:
        return None
    return path


def report(error: BaseException) -> int:
    """Print ``error`` as the CLI's one line on stderr; return the exit status."""
    if isinstance(error, HeparError):
        _echo(str(error))
        return EXIT_USER
    kind = _click_kind(error)
    if kind == "NoArgsIsHelpError":  # the command alone: its help, as Click does
        ctx = getattr(error, "ctx", None)
        typer.echo(ctx.get_help() if ctx is not None else str(error), err=True)
        return EXIT_USER
    if kind == "Exit":
        return int(getattr(error, "exit_code", 0))
    if kind == "ClickException":
        _echo(_usage_message(error))
        return EXIT_USER
    if kind == "Abort" or isinstance(error, KeyboardInterrupt):
        _echo("interrupted; nothing half-written was left behind")
        return 128 + signal.SIGINT
    if isinstance(error, Stopped):
        _echo(f"stopped by signal {error.signum}; nothing half-written was left behind")
        return 128 + error.signum
    if isinstance(error, SystemExit):
        if error.code is None or isinstance(error.code, int):
            return int(error.code or 0)
        _echo(str(error.code))
        return EXIT_INTERNAL
    if _library(error) in _FILE_FORMAT_LIBRARIES:
        where = getattr(error, "filename", None) or getattr(
            getattr(error, "problem_mark", None), "name", None)
        prefix = f"{where}: " if where else ""
        _echo(f"{prefix}cannot be read ({type(error).__name__}: {error})")
        return EXIT_USER
    if isinstance(error, OSError):
        _echo(_os_message(error))
        return EXIT_USER
    log = _write_log(error)
    where = f"the traceback is in {log}" if log else "the traceback could not be written"
    _echo(f"internal error ({type(error).__name__}: {error}); {where}; please report it")
    return EXIT_INTERNAL


@contextmanager
def terminate_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT raise :class:`Stopped` in the main thread (Typer would
    turn a KeyboardInterrupt into a silent exit 130), so that outputs being written are cleaned
    up and one line says why the command stopped. A second signal during the clean-up is
    ignored. Outside the main thread this does nothing."""
    stopping: list[int] = []

    def _stop(signum: int, _frame: FrameType | None) -> None:
        if stopping:
            return
        stopping.append(signum)
        raise Stopped(signum)

    previous = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.getsignal(signum)
            signal.signal(signum, _stop)
    except ValueError:  # not the main thread: leave the handlers alone
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

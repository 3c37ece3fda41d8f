"""Output folders that appear whole or not at all.

A command that writes a folder (``hepar dose --out``, ``hepar phantom OUT_DIR``, ``hepar demo
--out``) first checks the target with :func:`check_output_folder` (before any computation), then
writes into a hidden staging folder beside it (same file system, so the final move is one
``rename``) with :func:`atomic_output_folder`. The staging folder is moved into place only when
everything is written; on any exception, KeyboardInterrupt (SIGINT) or the CLI's SIGTERM
exception it is removed, and an ``atexit`` hook removes whatever a hard exit left behind.

The checks try a real write (the missing parents and a staging entry are created and removed):
``os.access`` answers yes to root everywhere, yet root cannot write a read-only file system, a
pseudo file system or a name longer than the file system allows. :func:`check_output_file` does
the same for a single output file. A writer that must write in place (its outputs record their
own absolute paths: ``hepar demo``) replaces an earlier output with
:func:`keep_previous_until_done`, which keeps the earlier one aside until the new one is done.

Written here rather than taken from a library: the standard library has the pieces
(``tempfile.mkdtemp``, ``os.replace``), none combines them with the overwrite policy and the
clean-up on signals that the CLI contract needs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hepar.errors import InvalidValueError

__all__ = ["STAGING_MARK", "atomic_output_folder", "check_output_file", "check_output_folder",
           "keep_previous_until_done", "remove_on_failure"]

#: Part of every staging folder's name: ``.<target>.hepar-partial-<random>``.
STAGING_MARK = ".hepar-partial-"
#: Pseudo file systems an output may never go to.
_PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
_LIVE: set[Path] = set()


def _remove_live() -> None:  # pragma: no cover - runs at interpreter exit
    for folder in list(_LIVE):
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_remove_live)


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")  # pragma: no cover - "/" always exists


def check_output_folder(target: str | Path, *, overwrite: bool = False,
                        option: str = "--out") -> Path:
    """Check that ``target`` can become an output folder, before any computation.

    Refused (naming ``option``): a path that is an existing file; an existing folder that is not
    empty unless ``overwrite`` (then it is replaced whole); a path on ``/proc``, ``/sys`` or
    ``/dev``; a path whose nearest existing ancestor is not a writable folder.

    Returns
    -------
    Path
        ``target`` as an absolute path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_folder(root / "new").name
    'new'
    >>> (root / "file").write_text("x")
    1
    >>> try:
    ...     check_output_folder(root / "file")
    ... except InvalidValueError as error:
    ...     print(error.field, "->", error.expected)
    --out -> a folder path (this is an existing file)
    """
    path = Path(os.path.abspath(Path(target).expanduser()))
    resolved = path.resolve()
    for root in _PSEUDO_ROOTS:
        if resolved == root or root in resolved.parents:
            raise InvalidValueError(field=option, value=str(target),
                                    expected="a folder on a regular file system, not under "
                                    f"{root}")
    if path.is_file() or (os.path.lexists(path) and not path.is_dir()):
        raise InvalidValueError(field=option, value=str(target),
                                expected="a folder path (this is an existing file)")
    if path.is_dir():
        if any(path.iterdir()) and not overwrite:
            raise InvalidValueError(
                field=option, value=str(target),
                expected="a new or empty folder (it exists and is not empty; add --overwrite to "
                "replace it whole)",
            )
        parent = path.parent
    else:
        parent = _existing_ancestor(path.parent)
    if not parent.is_dir():
        raise InvalidValueError(field=option, value=str(target),
                                expected=f"a path inside a folder ({parent} is a file)")
    _probe(path, str(target), option)
    return path


def _probe(path: Path, given: str, option: str) -> None:
    """Create and remove what writing ``path`` will create first (its missing parents and a
    staging entry beside it), so that an output that cannot be written is refused before any
    computation. A real attempt, not ``os.access``: root passes every permission test yet
    cannot write a read-only file system, and a name can be too long for the file system."""
    made: list[Path] = []
    try:
        made = _make_parents(path.parent)
        probe = tempfile.mkdtemp(prefix=f".{path.name}{STAGING_MARK}", dir=path.parent)
        os.rmdir(probe)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = error.filename if error.filename is not None else path.parent
        raise InvalidValueError(field=option, value=given,
                                expected=f"a path that can be written ({where}: {reason})"
                                ) from None
    finally:
        _rmdir_empty(made)


def check_output_file(target: str | Path, *, overwrite: bool = False,
                      option: str = "--out") -> Path:
    """Check that ``target`` can be written as one file (before any computation): not an
    existing folder, not an existing file unless ``overwrite``, not on ``/proc``, ``/sys`` or
    ``/dev``, in an existing folder where a file can be created (a real attempt: a temporary
    file beside it is created and removed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_file(root / "camera.json").name
    'camera.json'
    >>> try:
    ...     check_output_file(root / "camera.json" / "x.json")
    ... except InvalidValueError as error:
    ...     print(error.field)
    --out
    """
    path = Path(os.path.abspath(Path(target).expanduser()))
    resolved = path.resolve()
    for root in _PSEUDO_ROOTS:
        if resolved == root or root in resolved.parents:
            raise InvalidValueError(field=option, value=str(target),
                                    expected=f"a file on a regular file system, not under {root}")
    if path.is_dir():
        raise InvalidValueError(field=option, value=str(target),
                                expected="a file path (this is an existing folder)")
    if os.path.lexists(path) and not overwrite:
        raise InvalidValueError(field=option, value=str(target),
                                expected="a file that does not exist yet (or --overwrite)")
    if not path.parent.is_dir():
        raise InvalidValueError(field=option, value=str(target),
                                expected="a file in an existing folder")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise InvalidValueError(field=option, value=str(target),
                                expected=f"a file that can be written ({path.parent}: "
                                f"{error.strerror or type(error).__name__})") from None
    return path


def _make_parents(folder: Path) -> list[Path]:
    """Create the missing ancestors of ``folder``; the ones created, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not os.path.lexists(p)]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _rmdir_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


@contextmanager
def atomic_output_folder(target: str | Path, *, overwrite: bool = False,
                         option: str = "--out") -> Iterator[Path]:
    """Yield a staging folder beside ``target``; move it to ``target`` when the block ends
    without an exception, remove it (and any parent folder made for it) otherwise.

    With ``overwrite``, an existing ``target`` is replaced whole at the end (nothing of the
    earlier content stays); until then it is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_output_folder(root / "out") as staging:
    ...     _ = (staging / "a.txt").write_text("a")
    >>> sorted(p.name for p in (root / "out").iterdir())
    ['a.txt']
    >>> try:
    ...     with atomic_output_folder(root / "other") as staging:
    ...         raise RuntimeError("failed half-way")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in root.iterdir())
    ['out']
    """
    path = check_output_folder(target, overwrite=overwrite, option=option)
    made = _make_parents(path.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}{STAGING_MARK}", dir=path.parent))
    _LIVE.add(staging)
    try:
        yield staging
        _publish(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _rmdir_empty(made)
        raise
    finally:
        _LIVE.discard(staging)


def _publish(staging: Path, path: Path) -> None:
    """Move ``staging`` to ``path``, replacing an existing ``path`` whole."""
    staging.chmod(0o777 & ~_umask())
    if not os.path.lexists(path):
        os.replace(staging, path)
        return
    if path.is_dir() and not any(path.iterdir()):
        path.rmdir()
        os.replace(staging, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.hepar-old-", dir=path.parent))
    old.rmdir()
    os.replace(path, old)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def remove_on_failure(target: str | Path) -> Iterator[Path]:
    """For a writer that must write in place (its outputs record their own absolute paths):
    when the block fails (exception, SIGINT, the CLI's SIGTERM exception), remove ``target`` if
    it did not exist or was empty before, and the parent folders made for it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with remove_on_failure(root / "demo") as out:
    ...         _ = (out / "half.txt").parent.mkdir()
    ...         raise RuntimeError("failed half-way")
    ... except RuntimeError:
    ...     pass
    >>> list(root.iterdir())
    []
    """
    path = Path(os.path.abspath(Path(target).expanduser()))
    was_new = not os.path.lexists(path) or (path.is_dir() and not any(path.iterdir()))
    missing = [p for p in path.parents if not os.path.lexists(p)]
    try:
        yield path
    except BaseException:
        if was_new:
            shutil.rmtree(path, ignore_errors=True)
            _rmdir_empty(missing)
        raise


#: Part of the name of a previous output kept aside while its replacement is written.
PREVIOUS_MARK = ".hepar-previous-"


@contextmanager
def keep_previous_until_done(target: str | Path) -> Iterator[Path]:
    """For a writer that must write in place (its outputs record their own absolute paths) and
    replaces an earlier output: the earlier ``target`` is renamed aside
    (``.<name>.hepar-previous-*``, same folder, one ``rename``) for the block; when the block
    ends without an exception it is removed, otherwise the half-written new ``target`` is
    removed and the earlier one renamed back. Replacement happens only once the new output is
    complete, and an error, SIGINT or the CLI's SIGTERM exception leaves the earlier output as
    it was. Only a hard kill (SIGKILL, power loss) can stop it half-way: the earlier output is
    then still whole in the hidden folder beside ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "study").mkdir(), (root / "study" / "old.txt").write_text("old")
    >>> try:
    ...     with keep_previous_until_done(root / "study") as out:
    ...         _ = out.mkdir(), (out / "half.txt").write_text("half")
    ...         raise RuntimeError("failed half-way")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in root.rglob("*"))
    ['old.txt', 'study']
    >>> with keep_previous_until_done(root / "study") as out:
    ...     _ = out.mkdir(), (out / "new.txt").write_text("new")
    >>> sorted(p.name for p in root.rglob("*"))
    ['new.txt', 'study']
    """
    path = Path(os.path.abspath(Path(target).expanduser()))
    previous: Path | None = None
    if os.path.lexists(path):
        previous = Path(tempfile.mkdtemp(prefix=f".{path.name}{PREVIOUS_MARK}", dir=path.parent))
        previous.rmdir()
        os.replace(path, previous)
    try:
        yield path
    except BaseException:
        if os.path.lexists(path):
            shutil.rmtree(path, ignore_errors=True)
        if previous is not None:
            os.replace(previous, path)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)

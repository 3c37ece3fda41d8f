"""Output folders that appear whole or not at all.

A command that writes a folder (``hepar dose --out``, ``hepar phantom OUT_DIR``, ``hepar demo
--out``) first checks the target with :func:`check_output_folder` (before any computation), then
writes into a hidden staging folder beside it (same file system, so the final move is one
``rename``) with :func:`atomic_output_folder`. The staging folder is moved into place only when
everything is written; on any exception, KeyboardInterrupt (SIGINT) or the CLI's SIGTERM
exception it is removed, and an ``atexit`` hook removes whatever a hard exit left behind.

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

__all__ = ["STAGING_MARK", "atomic_output_folder", "check_output_folder", "remove_on_failure"]

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
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidValueError(field=option, value=str(target),
                                expected=f"a folder that can be created ({parent} is not "
                                "writable)")
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

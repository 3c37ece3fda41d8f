"""Write a folder or file whole or not at all: build beside the target, then move into place."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hepar.errors import InvalidValueError

__all__ = ["staged_dir"]


@contextmanager
def staged_dir(out: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``out``; moved to ``out`` when the block succeeds."""
    out = Path(out)
    occupied = out.exists() and (not out.is_dir() or any(out.iterdir()))
    if occupied and not overwrite:
        raise InvalidValueError(field="--out", value=str(out),
                                expected="a folder that does not exist yet or is empty")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    staging.replace(out)

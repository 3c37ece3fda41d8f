"""Writing a report folder atomically: build it in a temporary folder beside the target, then
move it into place; a folder is only replaced when a previous report wrote it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from matplotlib.figure import Figure

from hepar.errors import InvalidValueError

__all__ = ["MARKER", "figure_png", "report_folder"]

#: File that marks a folder as written by hepar.reports (so it may be replaced).
MARKER = ".hepar-report"


def figure_png(figure: Figure, path: Path) -> Path:
    """Save ``figure`` as PNG at ``path`` (150 dpi)."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    path.write_bytes(buffer.getvalue())
    return path


@contextmanager
def report_folder(out_dir: str | Path, *, kind: str) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out_dir`` (which must be absent or a
    previous report's folder). On failure nothing is left behind."""
    target = Path(out_dir)
    if target.exists() and not (target / MARKER).is_file():
        raise InvalidValueError(field="out_dir", value=str(target),
                                expected="a new folder or one a previous hepar report wrote")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (work / MARKER).write_text(f"{kind}\n", encoding="utf-8")
        yield work
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old)
        else:
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

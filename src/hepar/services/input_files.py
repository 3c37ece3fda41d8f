"""Checks and fingerprints of the input files of a use case (SHA-256 per file, ISO times).

A reconstruction or a calibration records every file it read with its SHA-256, so a result can
be traced to its exact inputs (a folder, e.g. a CT series, lists each of its files).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from pathlib import Path

from hepar.errors import InvalidValueError

__all__ = ["aware_time", "file_records", "positive_number", "sha256_of"]

_CHUNK_BYTES = 1 << 20


def sha256_of(path: Path) -> str:
    """SHA-256 (hex) of one file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(_CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def file_records(role: str, path: str | Path) -> list[dict[str, str]]:
    """``{"role", "path", "sha256"}`` for a file, or for every file in a folder (sorted)."""
    source = Path(path)
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    return [{"role": role, "path": str(p), "sha256": sha256_of(p)} for p in files]


def positive_number(name: str, value: float | None) -> None:
    """Refuse a value that is not a finite number > 0 (``None`` passes)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InvalidValueError(field=name, value=value, expected="a finite number > 0")


def aware_time(name: str, text: str | datetime) -> datetime:
    """An ISO 8601 date and time with its UTC offset (a naive time is refused)."""
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValueError(field=name, value=text,
                                    expected="an ISO 8601 date and time, e.g. "
                                    "2024-05-03T09:30:00+02:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError(field=name, value=str(text),
                                expected="a date and time with its UTC offset, e.g. "
                                "2024-05-03T09:30:00+02:00")
    return moment

"""Provenance of a report: what software, protocol and inputs it was made from (SHA-256)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import hepar
from hepar.errors import InvalidValueError

__all__ = ["Provenance", "sha256_bytes", "sha256_file"]

_CHUNK_BYTES = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of the file at ``path`` (read in chunks)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidValueError(field="input", value=str(path), expected="an existing file")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Provenance:
    """The provenance appendix.

    ``inputs`` maps an input's name (a file, a record set) to its SHA-256; the database export's
    hash is ``None`` when the analysis did not come from a database export.
    """

    protocol_label: str
    protocol_sha256: str
    database_export_sha256: str | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    software_version: str = hepar.__version__
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    notes: tuple[str, ...] = ()

    def rows(self) -> list[tuple[str, str]]:
        """(what, value) rows of the appendix table."""
        out = [("hepar version", self.software_version),
               ("generated at (UTC)", self.generated_at.astimezone(UTC).isoformat(
                   timespec="seconds")),
               ("protocol", self.protocol_label), ("protocol file SHA-256", self.protocol_sha256),
               ("database export SHA-256", self.database_export_sha256 or "not from a database "
                "export")]
        return out

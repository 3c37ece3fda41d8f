"""Errors of the study database: defined in :mod:`hepar.errors` (the one hierarchy), re-exported
here and by :mod:`hepar.store` so that ``from hepar.store import ConflictError`` keeps working.

Each names the field, the value and what was expected, so that the CLI prints one line and the API
answers with the same text.
"""

from __future__ import annotations

from hepar.errors import (
    AuditError,
    ConflictError,
    PermissionDeniedError,
    ReasonRequiredError,
    StoreError,
    StudyLockedError,
)

__all__ = [
    "AuditError",
    "ConflictError",
    "PermissionDeniedError",
    "ReasonRequiredError",
    "StoreError",
    "StudyLockedError",
]

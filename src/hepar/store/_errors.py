"""Errors of the study database, all rooted at :class:`hepar.errors.HeparError`.

Each names the field, the value and what was expected, so that the CLI prints one line and the API
answers with the same text. (They sit beside the store until the lead folds them into
``hepar.errors``; their names are re-exported by :mod:`hepar.store`.)
"""

from __future__ import annotations

from hepar.errors import HeparError, InvalidValueError

__all__ = [
    "AuditError",
    "ConflictError",
    "PermissionDeniedError",
    "ReasonRequiredError",
    "StoreError",
    "StudyLockedError",
]


class StoreError(HeparError):
    """A write that the study database refuses."""


class ConflictError(StoreError):
    """A stale write: the record was changed by someone else since it was read.

    ``value`` is the version the writer had read; the message names the newer version.
    """


class StudyLockedError(StoreError):
    """A write to a locked study."""


class PermissionDeniedError(StoreError, PermissionError):
    """The user's role (or site) does not allow this read or write."""


class ReasonRequiredError(StoreError, InvalidValueError):
    """A change to a saved record was attempted without a reason."""


class AuditError(StoreError):
    """The audit trail cannot be written or an import does not reproduce it."""

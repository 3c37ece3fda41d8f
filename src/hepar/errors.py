"""All of hepar's exceptions and warnings, in one place (STYLE.md habit 8).

Every error a user can cause names *where* (file or field), *what* (the value found) and *what was
expected*, so that the CLI can print it as one line and the API can answer 422 with the same text.

Examples
--------
>>> err = InvalidValueError(field="spacing_mm", value=-1.0, expected="a positive number")
>>> print(err)
spacing_mm = -1.0: expected a positive number
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuditError",
    "ConflictError",
    "DicomFormatError",
    "FileFormatError",
    "GeometryError",
    "HeparError",
    "HeparWarning",
    "InvalidValueError",
    "PermissionDeniedError",
    "ReasonRequiredError",
    "StoreError",
    "StudyLockedError",
    "UnitMismatchError",
    "UnknownNuclideError",
]


class HeparError(Exception):
    """Root of every error hepar raises on purpose.

    Parameters
    ----------
    field
        The parameter, attribute or DICOM keyword that is wrong.
    value
        The value that was found (echoed in the message).
    expected
        What would have been accepted; phrased so that the user knows how to fix it.
    source
        The file (or record) the value came from, if any.
    """

    def __init__(
        self,
        *,
        field: str,
        value: Any,
        expected: str,
        source: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field} = {_short_repr(self.value)}: expected {self.expected}"

    def __reduce__(self) -> tuple[Any, ...]:  # keep errors picklable for Dask workers
        return (_rebuild, (type(self), self.field, self.value, self.expected, self.source))


#: Longest echo of a value in a message (a whole record echoed would not be one readable line).
MAX_VALUE_CHARS = 160


def _short_repr(value: Any) -> str:
    """``repr(value)``, shortened in the middle beyond :data:`MAX_VALUE_CHARS`."""
    text = repr(value)
    if len(text) <= MAX_VALUE_CHARS:
        return text
    half = MAX_VALUE_CHARS // 2
    return f"{text[:half]} ... {text[-half:]} ({len(text)} characters)"


def _rebuild(
    cls: type[HeparError], field: str, value: Any, expected: str, source: str | None
) -> HeparError:
    return cls(field=field, value=value, expected=expected, source=source)


class InvalidValueError(HeparError, ValueError):
    """A parameter or record field has a value outside what is allowed."""


class UnknownNuclideError(InvalidValueError):
    """A nuclide name that hepar has no data for."""


class UnitMismatchError(InvalidValueError):
    """Two quantities that must share a unit do not (e.g. a 'Gy' volume where 'Bq/mL' is needed)."""


class GeometryError(InvalidValueError):
    """Geometry that cannot be handled: shear, uneven spacing, different frames of reference."""


class FileFormatError(HeparError, OSError):
    """A file that cannot be read as the format it is meant to be."""


class DicomFormatError(FileFormatError):
    """A DICOM file or series that is missing, inconsistent or not DICOM at all."""


class StoreError(HeparError):
    """A write (or read) that the study database (:mod:`hepar.store`) refuses."""


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


class HeparWarning(UserWarning):
    """Something in the input was unusual but could be handled; it is recorded, not fatal."""

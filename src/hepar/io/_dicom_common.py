"""What every DICOM reader and writer in hepar shares: reading a file leniently, the record of
warnings, number formatting, orientation checks and the strict-writing setting.

Reading is lenient (a file without the Part 10 preamble is accepted if it is a DICOM data set;
oddities are warned as :class:`~hepar.errors.HeparWarning` and recorded); writing is strict (values
that DICOM cannot hold exactly raise before anything is written; files appear atomically).
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pydicom
from numpy.typing import ArrayLike, NDArray
from pydicom import config as pydicom_config
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.valuerep import format_number_as_ds

from hepar.errors import (
    DicomFormatError,
    FileFormatError,
    GeometryError,
    HeparWarning,
    InvalidValueError,
)
from hepar.errors import HeparError as HeparErrorBase

__all__ = [
    "ORIENTATION_TOLERANCE",
    "Notes",
    "check_pixel_data",
    "fmt_ds",
    "fmt_ds_list",
    "orientation_from_iop",
    "read_dataset",
    "reading",
    "strict_writing",
    "strictly",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Largest deviation from unit length or orthogonality accepted in ImageOrientationPatient.
ORIENTATION_TOLERANCE = 1e-4


class Notes(list[str]):
    """Warnings raised while reading a file, kept so they can be recorded in ``metadata``.

    Each note is also issued as a :class:`~hepar.errors.HeparWarning` (lenient reading: warn and
    record, STYLE.md habit 7).
    """

    def __init__(self, source: str | Path) -> None:
        super().__init__()
        self.source = str(source)

    def warn(self, message: str) -> None:
        """Record ``message`` and issue it as a :class:`HeparWarning` naming the file."""
        text = f"{self.source}: {message}"
        self.append(text)
        warnings.warn(text, HeparWarning, stacklevel=3)


@contextlib.contextmanager
def strict_writing() -> Iterator[None]:
    """Within the block, pydicom raises on values their VR cannot hold (scoped, then restored).

    pydicom checks a value when an element is created (``reading_validation_mode``) and when a
    file is written (``writing_validation_mode``); both are set to RAISE here.
    """
    settings = pydicom_config.settings
    previous = (settings.reading_validation_mode, settings.writing_validation_mode)
    settings.reading_validation_mode = pydicom_config.RAISE
    settings.writing_validation_mode = pydicom_config.RAISE
    try:
        yield
    except ValueError as error:
        if isinstance(error, InvalidValueError):
            raise
        raise InvalidValueError(
            field="DICOM attribute", value=str(error), expected="a value its VR can hold"
        ) from error
    finally:
        settings.reading_validation_mode, settings.writing_validation_mode = previous


def strictly(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a writer under :func:`strict_writing`: a value its VR cannot hold raises."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with strict_writing():
            return function(*args, **kwargs)

    return wrapper


def _convert_all(dataset: Dataset, source: str) -> None:
    """Convert every raw element now: pydicom converts values lazily, so a corrupt value (an
    unknown VR, a bad length) would otherwise fail later, anywhere a reader touches it."""
    try:
        for _element in dataset.iterall():
            pass
    except Exception as error:  # pydicom raises many different errors for corrupt values
        raise DicomFormatError(
            field="file", value=f"{type(error).__name__}: {error}",
            expected="a readable DICOM file (a data element is corrupt)", source=source,
        ) from error


def check_pixel_data(dataset: Dataset, source: str) -> None:
    """Refuse a data set whose native (uncompressed) Pixel Data holds fewer bytes than Rows x
    Columns x frames x samples x BitsAllocated / 8: a truncated file (pydicom reads what is there
    without complaint). Encapsulated (compressed) pixel data are left to the decoder.

    Every element is converted first (a corrupt value is refused here, not later).

    Raises
    ------
    DicomFormatError
        Naming the file, the bytes found and the bytes expected.
    """
    _convert_all(dataset, source)
    if "PixelData" not in dataset:
        return
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is not None and getattr(syntax, "is_compressed", False):
        return
    try:
        rows, columns = int(dataset.Rows), int(dataset.Columns)
        bits = int(dataset.BitsAllocated)
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
        samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    except (AttributeError, TypeError, ValueError) as error:
        raise DicomFormatError(
            field="Rows/Columns/BitsAllocated", value=type(error).__name__,
            expected="the image pixel module of a data set with Pixel Data", source=source,
        ) from error
    expected = (rows * columns * frames * samples * bits + 7) // 8
    found = len(dataset.PixelData or b"")
    if found < expected:
        raise DicomFormatError(
            field="PixelData", value=f"{found} bytes",
            expected=f"{expected} bytes ({frames} frame(s) of {rows} x {columns} x {bits} bits); "
            "the file is truncated or corrupt", source=source,
        )


def reading(
    what: str, *, error: type[FileFormatError] = DicomFormatError
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a reader whose first argument is the file: an exception that is not a
    :class:`~hepar.errors.HeparError` (a corrupt file makes pydicom, highdicom, nibabel and
    numpy fail in many ways, deep inside) becomes ``error`` (a
    :class:`~hepar.errors.DicomFormatError` unless told otherwise) naming the file and ``what``
    it should be, with the original exception chained.

    Examples
    --------
    >>> @reading("a test file")
    ... def read_it(path):
    ...     raise TypeError("garbage")
    >>> try:
    ...     read_it("x.dcm")
    ... except DicomFormatError as error:
    ...     print(error.source, error.value)
    x.dcm TypeError: garbage
    """

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return function(*args, **kwargs)
            except (HeparErrorBase, KeyboardInterrupt):
                raise
            except Exception as problem:
                source = str(args[0]) if args else str(kwargs.get("path", "?"))
                raise error(
                    field="file", value=f"{type(problem).__name__}: {problem}", source=source,
                    expected=f"a readable {what} (corrupt or truncated content)",
                ) from problem

        return wrapper

    return decorate


def read_dataset(path: str | Path, *, stop_before_pixels: bool = False) -> Dataset:
    """Read one DICOM file, leniently.

    A file without the Part 10 preamble and meta header is still accepted when it parses as a
    data set with a SOP Class UID (older exports, e.g. pydicom's ``rtstruct.dcm``).

    Raises
    ------
    DicomFormatError
        The file is missing, unreadable or not DICOM; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise DicomFormatError(
            field="path", value=str(path), expected="an existing DICOM file", source=str(path)
        )
    try:
        dataset = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
        if stop_before_pixels:
            _convert_all(dataset, str(path))
        else:
            check_pixel_data(dataset, str(path))
        return dataset
    except InvalidDicomError:
        pass
    except DicomFormatError:
        raise
    except Exception as error:  # truncated or corrupt files raise many different errors
        raise DicomFormatError(
            field="file", value=type(error).__name__, expected="a readable DICOM file",
            source=str(path),
        ) from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels, force=True)
        sop_class = dataset.get("SOPClassUID")
    except Exception:
        sop_class = None
    if not sop_class:
        raise DicomFormatError(
            field="file", value="no DICOM preamble and no SOPClassUID",
            expected="a DICOM file (PS3.10 'DICM' prefix or a data set with a SOP Class UID)",
            source=str(path),
        )
    if stop_before_pixels:
        _convert_all(dataset, str(path))
    else:
        check_pixel_data(dataset, str(path))
    return dataset


def fmt_ds(value: float) -> str:
    """Format ``value`` for a DS (decimal string) element: at most 16 characters.

    Examples
    --------
    >>> fmt_ds(-158.13580312345678)
    '-158.13580312346'
    """
    number = float(value)
    if not np.isfinite(number):
        raise InvalidValueError(field="DS value", value=number, expected="a finite number")
    return str(format_number_as_ds(number + 0.0))


def fmt_ds_list(values: ArrayLike) -> list[str]:
    """Format each value of ``values`` as a DS string."""
    return [fmt_ds(v) for v in np.asarray(values, dtype=float).ravel()]


def orientation_from_iop(
    iop: Sequence[Any] | None, *, source: str, field: str = "ImageOrientationPatient"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Row and column direction cosines from ImageOrientationPatient, checked.

    Raises
    ------
    GeometryError
        Six values missing, not of unit length or not orthogonal (within
        ``ORIENTATION_TOLERANCE``); the message names the file and the field.
    """
    if iop is None or len(iop) != 6:
        raise GeometryError(
            field=field, value=None if iop is None else list(iop),
            expected="six direction cosines (row then column direction)", source=source,
        )
    values = np.asarray([float(v) for v in iop])
    row, col = values[:3], values[3:]
    if (
        abs(np.linalg.norm(row) - 1) > ORIENTATION_TOLERANCE
        or abs(np.linalg.norm(col) - 1) > ORIENTATION_TOLERANCE
        or abs(float(row @ col)) > ORIENTATION_TOLERANCE
    ):
        raise GeometryError(
            field=field, value=values.round(6).tolist(),
            expected="orthogonal unit row and column directions", source=source,
        )
    return row / np.linalg.norm(row), col / np.linalg.norm(col)

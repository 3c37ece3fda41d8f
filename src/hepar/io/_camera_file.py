"""The camera calibration file (``camera.json``) <-> :class:`~hepar.spect.CameraCalibration`.

A calibration is a record of its own (issue: "calibration is a record of its own"): the
sensitivity per isotope and energy window, the paralysable dead-time parameters, the collimator,
the crosstalk ratios, the source and its reference time, plus where it came from. The file is one
JSON object::

    {"format": "hepar-camera-calibration", "version": 1, "generator": "hepar 0.1.0",
     "inputs": [{"role": "acquisition", "path": "...", "sha256": "..."}],
     "calibration": { ... CameraCalibration.to_json_dict() ... }}

It is written atomically (a temporary file beside the target, then renamed) and never replaces
an existing file unless asked to.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hepar import __version__
from hepar.errors import FileFormatError, HeparError, InvalidValueError

if TYPE_CHECKING:
    from hepar.spect import CameraCalibration

__all__ = ["CAMERA_FILE_FORMAT", "CAMERA_FILE_VERSION", "read_camera_file", "write_camera_file",
           "write_json_atomically"]

CAMERA_FILE_FORMAT = "hepar-camera-calibration"
CAMERA_FILE_VERSION = 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json_atomically(data: Any, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``data`` as indented JSON to ``path``: a temporary file beside it, then renamed.

    Raises
    ------
    InvalidValueError
        ``path`` exists and ``overwrite`` is false, or its folder does not exist.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise InvalidValueError(field="out", value=str(target),
                                expected="a file that does not exist yet (or --overwrite)")
    if target.exists() and target.is_dir():
        raise InvalidValueError(field="out", value=str(target), expected="a file, not a folder")
    if not target.parent.is_dir():
        raise InvalidValueError(field="out", value=str(target),
                                expected="a file in an existing folder")
    text = json.dumps(data, indent=1, default=str) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; a record is shared
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    return target


def write_camera_file(
    calibration: CameraCalibration,
    path: str | Path,
    *,
    inputs: Sequence[dict[str, str]] = (),
    overwrite: bool = False,
) -> Path:
    """Write ``calibration`` as a camera file (see the module docstring), atomically.

    Parameters
    ----------
    calibration
        The camera calibration.
    path
        The ``camera.json`` to write.
    inputs
        Where the calibration came from: ``{"role", "path", "sha256"}`` per file.
    overwrite
        Replace an existing file.
    """
    record = {
        "format": CAMERA_FILE_FORMAT,
        "version": CAMERA_FILE_VERSION,
        "generator": f"hepar {__version__}",
        "inputs": list(inputs),
        "calibration": calibration.to_json_dict(),
    }
    return write_json_atomically(record, path, overwrite=overwrite)


def read_camera_file(path: str | Path) -> CameraCalibration:
    """Read a camera file written by :func:`write_camera_file` (``hepar calibrate``).

    Raises
    ------
    FileFormatError
        Not a file, not JSON, another format or version, or a calibration record that does not
        hold what a calibration needs.
    """
    from hepar.spect import CameraCalibration

    source = Path(path)
    if not source.is_file():
        raise FileFormatError(field="camera", value=str(source),
                              expected="an existing camera.json (hepar calibrate writes one)")
    try:
        record = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileFormatError(field="camera", value=str(error).split(":")[0], source=str(source),
                              expected="a JSON camera file written by hepar calibrate") from None
    if not isinstance(record, dict) or record.get("format") != CAMERA_FILE_FORMAT:
        found = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise FileFormatError(field="format", value=found, source=str(source),
                              expected=f"{CAMERA_FILE_FORMAT!r} (a file from hepar calibrate)")
    if record.get("version") != CAMERA_FILE_VERSION:
        raise FileFormatError(field="version", value=record.get("version"), source=str(source),
                              expected=f"{CAMERA_FILE_VERSION}")
    data = record.get("calibration")
    if not isinstance(data, dict):
        raise FileFormatError(field="calibration", value=type(data).__name__, source=str(source),
                              expected="the calibration record (an object)")
    try:
        return CameraCalibration.from_json_dict(data)
    except HeparError as error:
        raise FileFormatError(field=f"calibration.{error.field}", value=error.value,
                              expected=error.expected, source=str(source)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise FileFormatError(field="calibration", value=repr(error), source=str(source),
                              expected="every field of a camera calibration") from None

"""NIfTI-1 <-> :class:`~hepar.imaging.Volume` (nibabel), with the LPS/RAS and axis-order change.

A NIfTI affine maps the voxel index ``(i, j, k)`` -- ``i`` the first, fastest-varying array axis --
to RAS millimetres (NIfTI-1 header, sform/qform). A hepar volume is indexed ``(z, y, x)`` = ``(k,
j, i)`` and its affine maps to LPS (DICOM). So, with ``F = diag(-1, -1, 1, 1)`` (LPS <-> RAS) and
``P`` the permutation (i, j, k) <-> (k, j, i)::

    A_nifti = F @ A_hepar @ P        and the data are   array.transpose(2, 1, 0)

hepar writes its unit and frame of reference into the header (``descrip`` and a JSON comment
extension, code 6) so that a file it wrote reads back without ``unit=``; the extension also keeps
the float64 affine, used on reading while the (float32) header still agrees with it within
1e-3 mm, so a hepar round trip keeps the geometry exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from numpy.typing import NDArray

from hepar.errors import FileFormatError, GeometryError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume, VolumeUnit, new_frame_of_reference_uid

from ._dicom_common import Notes, reading

__all__ = ["NiftiHeader", "load_nifti_header", "read_nifti", "read_nifti_data", "write_nifti"]

_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
_SWAP_IK = np.array([[0.0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
_DESCRIP_PREFIX = "hepar unit="
_EXTENSION_CODE = 6  # NIfTI "comment" extension
_MM_PER_UNIT = {"mm": 1.0, "meter": 1000.0, "micron": 1e-3}
#: Largest |cos| between two voxel axes accepted as orthogonal: the tolerance of
#: ``hepar.imaging.Volume`` (about 0.06 degree); beyond it the affine is sheared.
ORTHOGONALITY_TOLERANCE = 1e-3


def _check_suffix(path: Path) -> None:
    if not (path.name.endswith(".nii") or path.name.endswith(".nii.gz")):
        raise InvalidValueError(field="path", value=str(path),
                                expected="a file name ending in .nii or .nii.gz")


def write_nifti(volume: Volume, path: str | Path) -> Path:
    """Write a volume as NIfTI-1 (``.nii`` or ``.nii.gz``), sform and qform both scanner-based.

    Values keep their dtype (booleans become uint8). The header stores the affine in float32
    (about 1e-7 relative: 3e-5 mm at 300 mm); hepar's own reader restores the exact float64
    affine from the extension.
    """
    path = Path(path)
    _check_suffix(path)
    data = np.asarray(volume.array)
    if data.dtype == bool:
        data = data.astype(np.uint8)
    affine = _LPS_TO_RAS @ volume.affine @ _SWAP_IK
    image = nib.Nifti1Image(np.ascontiguousarray(data.transpose(2, 1, 0)), affine)
    image.set_sform(affine, code="scanner")
    image.set_qform(affine, code="scanner")
    header = image.header
    header.set_xyzt_units("mm", "sec")
    header["descrip"] = f"{_DESCRIP_PREFIX}{volume.unit.value}".encode()
    record = {"unit": volume.unit.value, "frame_of_reference_uid": volume.frame_of_reference_uid,
              "affine_lps": volume.affine.tolist()}
    header.extensions.append(
        nib.nifti1.Nifti1Extension(_EXTENSION_CODE, json.dumps(record).encode())
    )
    if not path.parent.is_dir():
        raise InvalidValueError(field="path", value=str(path),
                                expected="a file in an existing folder")
    suffix = ".nii.gz" if path.name.endswith(".gz") else ".nii"
    handle, temporary = tempfile.mkstemp(prefix=".hepar-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        nib.save(image, temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    return path


def _stored_record(header: Any) -> dict[str, Any]:
    for extension in header.extensions:
        if extension.get_code() != _EXTENSION_CODE:
            continue
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            record = json.loads(extension.get_content())
            if isinstance(record, dict):
                return record
    descrip = bytes(header["descrip"]).decode("latin-1").strip("\x00 ")
    if descrip.startswith(_DESCRIP_PREFIX):
        return {"unit": descrip[len(_DESCRIP_PREFIX):]}
    return {}


def _index_to_ras(image: Any, notes: Notes, source: str) -> tuple[NDArray[np.float64], str]:
    header = image.header
    sform, sform_code = header.get_sform(coded=True)
    if sform_code:
        affine, field = np.asarray(sform, dtype=float), "sform (srow_x, srow_y, srow_z)"
    else:
        qform, qform_code = header.get_qform(coded=True)
        if qform_code:
            affine, field = np.asarray(qform, dtype=float), "qform (quatern_b/c/d, pixdim)"
        else:
            notes.warn("neither sform nor qform is set; voxel sizes only (NIfTI method 1)")
            affine, field = np.asarray(header.get_base_affine(), dtype=float), "pixdim"
    spatial = header.get_xyzt_units()[0]
    if spatial not in _MM_PER_UNIT:
        notes.warn(f"xyzt_units spatial unit {spatial!r}; millimetres assumed")
    affine[:3, :] *= _MM_PER_UNIT.get(spatial, 1.0)
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    if np.any(spacing <= 0):
        raise GeometryError(field=field, value=np.round(affine, 4).tolist(),
                            expected="non-zero voxel sizes", source=source)
    axes = affine[:3, :3] / spacing
    if np.abs(axes.T @ axes - np.eye(3)).max() > ORTHOGONALITY_TOLERANCE:
        raise GeometryError(
            field=field, value=np.round(affine[:3, :3], 4).tolist(),
            expected="orthogonal voxel axes (no shear); resample the image first",
            source=source,
        )
    return affine, field


@dataclass(frozen=True)
class NiftiHeader:
    """What a NIfTI header says, before the data are read (lazy in nibabel)."""

    image: Any
    shape: tuple[int, int, int]
    affine_lps: NDArray[np.float64]
    stored: dict[str, Any]
    notes: Notes


def load_nifti_header(path: str | Path) -> NiftiHeader:
    """Open a NIfTI file: 3-D shape, index ``(z, y, x)`` -> LPS affine, hepar's stored record.

    Raises
    ------
    FileFormatError
        Not a readable NIfTI file, or not 3-D.
    GeometryError
        Sheared affine.
    """
    source = str(path)
    notes = Notes(source)
    try:
        image: Any = nib.load(source)
    except Exception as error:
        raise FileFormatError(field="file", value=type(error).__name__,
                              expected="a readable NIfTI-1 or NIfTI-2 image (.nii, .nii.gz)",
                              source=source) from error
    shape = tuple(int(n) for n in image.shape)
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) != 3:
        raise FileFormatError(field="dim", value=list(image.shape), expected="a 3-D image",
                              source=source)
    ras, _ = _index_to_ras(image, notes, source)
    nx, ny, nz = shape
    affine = _LPS_TO_RAS @ ras @ _SWAP_IK
    stored = _stored_record(image.header)
    with contextlib.suppress(TypeError, ValueError):
        exact = np.asarray(stored.get("affine_lps"), dtype=float)
        # hepar's float64 copy of the affine, used while the float32 header still agrees with it
        if exact.shape == (4, 4) and np.allclose(exact, affine, rtol=0, atol=1e-3):
            affine = exact
    return NiftiHeader(image, (nz, ny, nx), affine, stored, notes)


def read_nifti_data(header: NiftiHeader, source: str) -> NDArray[Any]:
    """The voxel values of an opened NIfTI file, indexed ``(i, j, k)``.

    Raises
    ------
    FileFormatError
        The data cannot be read (a truncated or corrupt file: nibabel and zlib raise many
        different errors), naming the file.
    """
    try:
        return np.asanyarray(header.image.dataobj).reshape(header.shape[::-1])
    except Exception as error:
        raise FileFormatError(field="data", value=type(error).__name__,
                              expected="a complete NIfTI image (the voxel data cannot be read: "
                              "truncated or corrupt file)", source=source) from error


def _unit(value: VolumeUnit | str, field: str, source: str) -> VolumeUnit:
    try:
        return VolumeUnit(value)
    except ValueError:
        raise UnitMismatchError(field=field, value=str(value),
                                expected=f"one of {[u.value for u in VolumeUnit]}",
                                source=source) from None


@reading("NIfTI file", error=FileFormatError)
def read_nifti(
    path: str | Path,
    *,
    unit: VolumeUnit | str | None = None,
    frame_of_reference_uid: str | None = None,
) -> Volume:
    """Read a 3-D NIfTI-1/2 image into a volume (LPS, ``(z, y, x)``).

    Parameters
    ----------
    path
        A ``.nii`` or ``.nii.gz`` file.
    unit
        The unit of the values. Needed unless the file was written by hepar (which stores it);
        if both are present they must agree.
    frame_of_reference_uid
        The frame of reference the image lives in (e.g. its CT's). From the file if hepar wrote
        it, else a new one with a warning: a NIfTI file does not know its DICOM frame.

    Raises
    ------
    FileFormatError
        Not a readable NIfTI file, or not 3-D.
    GeometryError
        Sheared affine (sform or qform); the message names the file and the field.
    UnitMismatchError
        ``unit`` differs from the unit stored in the file.
    InvalidValueError
        No unit given and none stored.
    """
    source = str(path)
    header = load_nifti_header(path)
    notes, stored = header.notes, header.stored
    data = read_nifti_data(header, source)
    stored_unit = _unit(str(stored["unit"]), "descrip", source) if "unit" in stored else None
    given = _unit(unit, "unit", source) if unit is not None else None
    if given is None and stored_unit is None:
        raise InvalidValueError(field="unit", value=None,
                                expected="unit= (the file does not say; e.g. 'Bq/mL', 'HU')",
                                source=source)
    if given is not None and stored_unit is not None and given is not stored_unit:
        raise UnitMismatchError(field="unit", value=stored_unit.value,
                                expected=f"{given.value!r} (the unit this use needs); the file "
                                "stores another quantity",
                                source=source)
    chosen = given or stored_unit
    assert chosen is not None
    frame = frame_of_reference_uid or str(stored.get("frame_of_reference_uid") or "")
    if not frame:
        frame = new_frame_of_reference_uid()
        notes.warn(f"no frame of reference in a NIfTI file; a new one ({frame}) was made "
                   "(pass frame_of_reference_uid=)")
    metadata = {"source": source, "warnings": list(notes)}
    return Volume(np.ascontiguousarray(data.transpose(2, 1, 0)), header.affine_lps, chosen, frame,
                  metadata)

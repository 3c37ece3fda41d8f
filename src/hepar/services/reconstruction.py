"""Use case: quantitative SPECT reconstruction from files (``hepar recon``).

Reads the NM projections (one file, or the bed positions of a multi-bed SPECT, stitched), the CT
(DICOM series folder or NIfTI in HU) and the camera file, reconstructs with
:func:`hepar.spect.reconstruct` and writes into ``OUT``:

``recon.dcm``
    NM Image Storage, RECON TOMO, values in Bq/mL (RealWorldValueMapping, Units BQML) at the
    acquisition start, on the CT's frame of reference and in the CT's study.
``recon_bq_per_ml.nii.gz``
    The same volume as NIfTI (unit and frame of reference in hepar's header extension).
``recon.json``
    The record (keys in README.md, ``hepar recon``).

Every option and path is checked, and the files are read and checked against each other (frame
of reference, energy windows, CT coverage of the field of view, calibration of the isotope),
before any reconstruction; the folder is assembled beside ``OUT`` and renamed into place when
complete, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from hepar import __version__
from hepar.errors import FileFormatError, GeometryError, InvalidValueError
from hepar.imaging import Volume, VolumeUnit
from hepar.physics import canonical_nuclide_name
from hepar.spect import Projections, isotope_windows, spect_geometry

from .calibration import collimator_choice
from .input_files import file_records, positive_number

_T = TypeVar("_T")

__all__ = [
    "RECON_FORMAT",
    "RECON_ISOTOPES",
    "ReconInputs",
    "check_recon_inputs",
    "reconstruct_files",
]

RECON_FORMAT = "hepar-reconstruction"
RECON_ISOTOPES = ("Ho-166", "Lu-177")
RECON_DICOM, RECON_NIFTI, RECON_JSON = "recon.dcm", "recon_bq_per_ml.nii.gz", "recon.json"


def _check_options(isotope: str | None, iterations: int, subsets: int,
                   normalise_to_mbq: float | None, camera: Path | None,
                   post_filter_fwhm_mm: float | None) -> str | None:
    name = None
    if isotope is not None:
        name = canonical_nuclide_name(isotope)
        if name not in RECON_ISOTOPES:
            raise InvalidValueError(field="isotope", value=isotope,
                                    expected=f"one of {list(RECON_ISOTOPES)}")
    for option, value in (("iterations", iterations), ("subsets", subsets)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidValueError(field=option, value=value, expected="a whole number >= 1")
    positive_number("normalise_to_mbq", normalise_to_mbq)
    if post_filter_fwhm_mm is not None:
        positive_number("post_filter_fwhm_mm", post_filter_fwhm_mm)
    if camera is None and normalise_to_mbq is None:
        raise InvalidValueError(
            field="camera", value=None,
            expected="--camera camera.json (hepar calibrate), or --normalise-to-mbq A to scale "
            "the image to a known activity in the field of view",
        )
    if camera is not None and normalise_to_mbq is not None:
        raise InvalidValueError(
            field="normalise_to_mbq", value=normalise_to_mbq,
            expected="no normalisation when --camera is given (one calibration: camera or "
            "normalised)",
        )
    return name


def _check_paths(projections: Sequence[Path], ct: Path, camera: Path | None, out: Path,
                 overwrite: bool) -> None:
    if not projections:
        raise InvalidValueError(field="projections", value=[],
                                expected="at least one NM TOMO file")
    for path in projections:
        if not path.is_file():
            raise InvalidValueError(field="projections", value=str(path),
                                    expected="an existing NM TOMO file")
    if not ct.exists():
        raise InvalidValueError(field="ct", value=str(ct),
                                expected="an existing CT series folder or NIfTI file (HU)")
    if camera is not None and not camera.is_file():
        raise InvalidValueError(field="camera", value=str(camera),
                                expected="an existing camera.json (hepar calibrate writes one)")
    if out.exists():
        if not overwrite:
            raise InvalidValueError(field="out", value=str(out),
                                    expected="a folder that does not exist yet (or --overwrite)")
        if not (out.is_dir() and (out / RECON_JSON).is_file()):
            raise InvalidValueError(
                field="out", value=str(out),
                expected=f"a folder written by hepar recon (it has no {RECON_JSON}); refusing "
                "to replace anything else",
            )
    if not out.parent.is_dir():
        raise InvalidValueError(field="out", value=str(out),
                                expected="a folder inside an existing folder")
    from hepar.io import check_output_folder

    check_output_folder(out, overwrite=True, option="out")  # /proc, a real write beside it


def _read_ct(path: Path) -> Volume:
    from hepar.io import read_ct_series, read_nifti

    if path.name.endswith((".nii", ".nii.gz")):
        return read_nifti(path, unit=VolumeUnit.HU)
    return read_ct_series(path)


def _checked(source: str, check: Callable[[], _T]) -> _T:
    """Run a check of :mod:`hepar.spect`, naming ``source`` in the error it raises."""
    try:
        return check()
    except (InvalidValueError, GeometryError) as error:
        raise type(error)(field=error.field, value=error.value, expected=error.expected,
                          source=error.source or source) from None



class ReconInputs:
    """The files of a reconstruction, read and checked against each other."""

    def __init__(self, projections: Projections, ct: Volume, camera: Any, isotope: str,
                 collimator: str, collimator_source: str, notes: list[str]) -> None:
        self.projections = projections
        self.ct = ct
        self.camera = camera
        self.isotope = isotope
        self.collimator = collimator
        self.collimator_source = collimator_source
        self.notes = notes


def check_recon_inputs(
    projections: Sequence[str | Path],
    *,
    ct: str | Path,
    camera: str | Path | None = None,
    isotope: str | None = None,
    collimator: str | None = None,
) -> ReconInputs:
    """Read the projections, CT and camera file and check them against each other.

    Raises
    ------
    InvalidValueError, GeometryError, FileFormatError, DicomFormatError
        No isotope, no photopeak window for it, frames of reference that differ, a CT that
        does not cover the field of view, a camera file without the isotope.
    """
    from hepar.io import read_camera_file, read_nm_projection_beds

    paths = [Path(p) for p in projections]
    source = ", ".join(str(p) for p in paths)
    data = read_nm_projection_beds(paths)
    notes: list[str] = []
    name = canonical_nuclide_name(isotope) if isotope is not None else data.isotope
    if name is None:
        raise InvalidValueError(field="isotope", value=None, source=source,
                                expected=f"--isotope ({' or '.join(RECON_ISOTOPES)}); the "
                                "file names no radionuclide")
    name = canonical_nuclide_name(name)
    if name not in RECON_ISOTOPES:
        raise InvalidValueError(field="isotope", value=name, source=source,
                                expected=f"one of {list(RECON_ISOTOPES)}")
    if data.isotope is not None and canonical_nuclide_name(data.isotope) != name:
        notes.append(f"{name} reconstructed from an acquisition that names {data.isotope} "
                     "(dual-isotope windows)")
    _checked(source, lambda: isotope_windows(data.windows, name))
    ct_volume = _read_ct(Path(ct))
    ct_volume.require_unit(VolumeUnit.HU, name="ct")
    frame = data.frame_of_reference_uid
    if frame is not None and frame != ct_volume.frame_of_reference_uid:
        raise GeometryError(
            field="frame_of_reference_uid", value=frame, source=source,
            expected=f"the CT's frame of reference {ct_volume.frame_of_reference_uid} (the "
            "SPECT and CT of one session share it; register them first)",
        )
    if frame is None:
        notes.append("the projections name no frame of reference: taken to be the CT's")
    _checked(str(ct), lambda: spect_geometry(data, ct_volume))  # the CT covers the field of view
    calibration = None
    if camera is not None:
        calibration = read_camera_file(camera)
        known = sorted({s.isotope for s in calibration.sensitivities})
        if name not in {canonical_nuclide_name(i) for i in known}:
            raise FileFormatError(
                field="sensitivities", value=known, source=str(camera),
                expected=f"a sensitivity for {name} (calibrate with a {name} source)",
            )
    chosen, chosen_from = collimator_choice(collimator, data.metadata.get("collimator"))
    if calibration is not None and collimator is None:
        chosen, chosen_from = str(calibration.collimator), "camera file"
    return ReconInputs(data, ct_volume, calibration, name, chosen, chosen_from, notes)


def _publish(staging: Path, out: Path) -> None:
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        os.replace(staging, out)


def reconstruct_files(
    projections: Sequence[str | Path],
    *,
    ct: str | Path,
    out: str | Path,
    camera: str | Path | None = None,
    normalise_to_mbq: float | None = None,
    isotope: str | None = None,
    iterations: int = 4,
    subsets: int = 8,
    collimator: str | None = None,
    post_filter_fwhm_mm: float | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Reconstruct quantitative SPECT from files and write ``out`` (see the module docstring).

    Parameters
    ----------
    projections
        One NM TOMO file, or one per bed position (stitched).
    ct
        CT series folder or NIfTI (HU) of the same session.
    out
        Output folder (new; or, with ``overwrite``, one that hepar recon wrote).
    camera
        camera.json from ``hepar calibrate``: absolute quantification (``calibration:
        camera``).
    normalise_to_mbq
        Without a camera file: scale the image so that the field of view holds this activity
        at acquisition start (``calibration: normalised``, the clinical practice for 166Ho).
    isotope
        ``Ho-166`` or ``Lu-177``; by default the one the projections name.
    iterations, subsets
        OSEM iterations and subsets.
    collimator
        ``LEHR``, ``ME`` or ``MELP``; by default the camera file's, else the file's, else ME.
    post_filter_fwhm_mm
        Optional Gaussian post-filter.
    progress
        Called with (iterations done, iterations) during OSEM.

    Returns
    -------
    dict
        The record written to ``recon.json``.
    """
    from hepar.io import study_of, write_json_atomically, write_nifti, write_nm_reconstruction
    from hepar.spect import reconstruct

    paths = [Path(p) for p in projections]
    ct_path, target = Path(ct), Path(out)
    camera_path = Path(camera) if camera is not None else None
    _check_options(isotope, iterations, subsets, normalise_to_mbq, camera_path,
                   post_filter_fwhm_mm)
    if collimator is not None:
        collimator_choice(collimator, None)
    _check_paths(paths, ct_path, camera_path, target, overwrite)
    inputs = check_recon_inputs(paths, ct=ct_path, camera=camera_path, isotope=isotope,
                                collimator=collimator)
    result = reconstruct(
        inputs.projections, ct_hu=inputs.ct, isotope=inputs.isotope, camera=inputs.camera,
        normalise_to_mbq=normalise_to_mbq, iterations=iterations, subsets=subsets,
        collimator=inputs.collimator, post_filter_fwhm_mm=post_filter_fwhm_mm,
        progress=progress,
    )
    volume = result.activity
    records = [r for p in paths for r in file_records("projections", p)]
    records += file_records("ct", ct_path)
    if camera_path is not None:
        records += file_records("camera", camera_path)
    how = (f"camera calibration {camera_path}" if result.calibration == "camera" else
           f"normalised to {normalise_to_mbq:g} MBq in the field of view at acquisition start")
    start = inputs.projections.acquisition_start
    record: dict[str, Any] = {
        "format": RECON_FORMAT,
        "total_activity_mbq": result.total_activity_mbq,
        "isotope": result.isotope,
        "iterations": result.iterations,
        "subsets": result.subsets,
        "calibration": result.calibration,
        "calibration_detail": how,
        "collimator": inputs.collimator,
        "collimator_source": inputs.collimator_source,
        "post_filter_fwhm_mm": post_filter_fwhm_mm,
        "acquisition_start": start.isoformat(),
        "frame_of_reference_uid": volume.frame_of_reference_uid,
        "unit": volume.unit.value,
        "grid": {"shape": list(volume.shape),
                 "spacing_mm": [round(float(s), 6) for s in volume.spacing_mm],
                 "affine_index_to_lps_mm": np.round(volume.affine, 6).tolist()},
        "beds": len(paths),
        "files": {"dicom": RECON_DICOM, "nifti": RECON_NIFTI, "json": RECON_JSON},
        "notes": [*inputs.notes, *result.notes],
        "inputs": records,
        "version": __version__,
        "generator": f"hepar {__version__}",
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.hepar-", dir=target.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(staging, 0o777 & ~mask)  # mkdtemp makes 0700; the result folder is shared
        peak = isotope_windows(inputs.projections.windows, result.isotope).photopeak
        windows = (inputs.projections.windows[peak],)
        write_nm_reconstruction(
            volume, staging / RECON_DICOM, study=study_of(inputs.ct), isotope=result.isotope,
            windows=windows[:1], acquisition_datetime=start,
            series_description=f"{result.isotope} SPECT Bq/mL ({result.calibration})"[:64],
        )
        write_nifti(volume, staging / RECON_NIFTI)
        write_json_atomically(record, staging / RECON_JSON)
        _publish(staging, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
        raise
    return record

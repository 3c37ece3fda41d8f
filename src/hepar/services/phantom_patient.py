"""Use case: write one virtual patient as a scanner would, with its ground truth.

``hepar phantom OUT_DIR --seed N --preset tiny|clinical``. The science (anatomy, activity,
acquisition) comes from :mod:`hepar.phantoms`; every file is written by :mod:`hepar.io`. The
patient folder appears whole or not at all: it is assembled in a hidden sibling folder and
renamed at the end.

Every file repeats byte for byte with the seed: UIDs are derived from the seed (Study, Series,
Frame of Reference) or from the series UID (SOP Instance, Dimension Organization; see
:mod:`hepar.io`), and every date and time is a seeded clinical time (CT and segmentation: the
session's CT time; projections: acquisition start and end).

Patient folder
--------------
``truth.json``
    The ground truth (:func:`hepar.phantoms.patient_truth`; keys documented in README.md,
    ``hepar phantom``).
``clinical.json``
    The clinical record (typed records of :mod:`hepar.clinical`).
``ct/<session>/CT_0001.dcm ...``
    One CT series per SPECT/CT session.
``nm/<scan>.dcm``
    The SPECT projections (DICOM NM TOMO, all energy windows).
``seg/<session>.dcm``
    The true VOIs (DICOM Segmentation on that session's CT).
``truth/*.nii.gz``
    True activity concentration (Bq/mL) per scan and nuclide at acquisition start, true
    absorbed dose (Gy) and the label map, on the simulation grid.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.phantoms import (
    ClinicalRecord,
    PatientOptions,
    VirtualPatient,
    check_seed,
    generate_clinical_record,
    generate_virtual_patient,
    patient_truth,
    preset,
)
from hepar.physics import BQ_PER_MBQ
from hepar.spect import Projections

__all__ = ["write_virtual_patient"]

#: DICOM SeriesNumber of a session's series: 10 x session + 1 (CT), 2 (projections), 3 (SEG).
_SERIES_PER_SESSION = 10


def _iso(moment: Any) -> str:
    return str(moment.isoformat())


def _prepare_folder(out_dir: Path) -> Path:
    """A hidden staging folder next to ``out_dir`` (which must be new or empty)."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InvalidValueError(
            field="OUT_DIR", value=str(out_dir),
            expected="a new or empty folder (hepar never mixes two patients in one folder)",
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.hepar-", dir=out_dir.parent))


def _publish(staging: Path, out_dir: Path) -> None:
    if out_dir.exists():
        out_dir.rmdir()
    os.replace(staging, out_dir)


def _study(patient: VirtualPatient, session_name: str) -> Any:
    from hepar.io import StudyInfo

    session = patient.session(session_name)
    return StudyInfo(
        patient_id=patient.patient_id,
        patient_name=f"Virtual^Patient {patient.seed}",
        study_instance_uid=session.study_instance_uid,
        study_datetime=session.ct_datetime,
        study_id=session.name[:16],
        accession_number=f"V{patient.seed % 10**8:08d}"[:16],
        study_description=f"HEPAR PLUS virtual {session.name} SPECT/CT"[:64],
    )


def _series_uid(patient: VirtualPatient, *labels: str) -> str:
    from hepar.phantoms import deterministic_uid

    return deterministic_uid(patient.seed, "series", *labels)


def _acquisition_end(projections: Projections) -> datetime:
    """When the camera's last view ends: the projections file is created then (seeded, so the
    same seed gives the same file)."""
    steps = projections.n_views / len(set(projections.detector_of_view.tolist()))
    return projections.acquisition_start + timedelta(
        seconds=projections.frame_duration_s * steps)


def _write_nifti(array: np.ndarray, unit: VolumeUnit, grid: Volume, path: Path) -> str:
    from hepar.io import write_nifti

    write_nifti(Volume(np.asarray(array, dtype=np.float32), grid.affine, unit,
                       grid.frame_of_reference_uid), path)
    return path.name


def write_virtual_patient(
    out_dir: str | Path,
    *,
    seed: int,
    preset_name: str = "tiny",
    options: PatientOptions | None = None,
    patient: VirtualPatient | None = None,
    clinical: bool = True,
    clinical_record: ClinicalRecord | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Simulate (or take) one virtual patient and write its patient folder.

    Parameters
    ----------
    out_dir
        The patient folder to create (new or empty).
    seed, preset_name, options
        What to simulate (ignored when ``patient`` is given).
    patient
        An already simulated patient.
    clinical
        Also write the clinical record (``clinical.json``, typed records of
        :mod:`hepar.clinical`; its dose-response model goes into ``truth.json``).
    clinical_record
        The clinical record to write (default: generated from the patient).
    progress
        Called with a short message per step.

    Returns
    -------
    dict
        The truth as written to ``truth.json``.
    """
    from hepar.io import read_ct_series, write_ct_series, write_nm_projections, write_seg

    say = progress or (lambda message: None)
    out = Path(out_dir)
    preset(preset_name)  # validate before any work
    check_seed(seed)
    staging = _prepare_folder(out)
    try:
        if patient is None:
            say(f"simulating patient seed {seed} ({preset_name})")
            patient = generate_virtual_patient(seed, preset_name, options)
        truth = patient_truth(patient)
        for sub in ("ct", "nm", "seg", "truth"):
            (staging / sub).mkdir()
        sessions = []
        for number, session in enumerate(patient.sessions):
            say(f"writing CT and structures of session {session.name}")
            study = _study(patient, session.name)
            folder = staging / "ct" / session.name
            write_ct_series(
                session.ct, folder, study=study, series_description=f"CT {session.name}",
                series_number=_SERIES_PER_SESSION * number + 1,
                series_instance_uid=_series_uid(patient, session.name, "ct"),
                acquisition_datetime=session.ct_datetime, creation_datetime=session.ct_datetime,
            )
            ct_read = read_ct_series(folder)
            masks = [Mask.on_grid_of(m.name, ct_read, m.boolean)
                     for m in patient.masks(on_ct=True) if m.boolean.any()]
            write_seg(masks, staging / "seg" / f"{session.name}.dcm", study=study,
                      series_description=f"True VOIs {session.name}",
                      series_number=_SERIES_PER_SESSION * number + 3,
                      series_instance_uid=_series_uid(patient, session.name, "seg"),
                      creation_datetime=session.ct_datetime)
            sessions.append({
                "name": session.name, "study_instance_uid": session.study_instance_uid,
                "frame_of_reference_uid": session.frame_of_reference_uid,
                "ct_datetime": _iso(session.ct_datetime), "ct": f"ct/{session.name}",
                "seg": f"seg/{session.name}.dcm", "masks": [m.name for m in masks],
            })
        truth["sessions"] = sessions
        grid = patient.grid
        maps: dict[str, str] = {"labels": "truth/" + _write_nifti(
            patient.labels.structure, VolumeUnit.FRACTION, grid, staging / "truth" /
            "labels.nii.gz")}
        for scan, record in zip(patient.scans, truth["scans"], strict=True):
            say(f"writing projections {scan.name}")
            number = [s.name for s in patient.sessions].index(scan.session.name)
            write_nm_projections(
                scan.acquisition.projections, staging / "nm" / f"{scan.name}.dcm",
                study=_study(patient, scan.session.name),
                series_description=scan.acquisition.projections.metadata.get(
                    "series_description", "SPECT projections")[:64],
                series_number=_SERIES_PER_SESSION * number + 2,
                series_instance_uid=_series_uid(patient, scan.name, "nm"),
                creation_datetime=_acquisition_end(scan.acquisition.projections),
            )
            record["projections"] = f"nm/{scan.name}.dcm"
            record["ct"] = f"ct/{scan.session.name}"
            record["seg"] = f"seg/{scan.session.name}.dcm"
            record["true_activity_bq_per_ml"] = {}
            for nuclide_name, activity in scan.activity_mbq.items():
                name = f"{scan.name}_{nuclide_name.replace('-', '').lower()}_bq_per_ml.nii.gz"
                _write_nifti(activity * BQ_PER_MBQ / grid.voxel_volume_ml,
                             VolumeUnit.BQ_PER_ML, grid, staging / "truth" / name)
                record["true_activity_bq_per_ml"][nuclide_name] = f"truth/{name}"
        for name, values in patient.dose_gy.items():
            maps[f"dose_{name}"] = "truth/" + _write_nifti(
                values, VolumeUnit.GY, grid, staging / "truth" / f"dose_{name}_gy.nii.gz")
        truth["maps"] = maps
        if clinical:
            say("writing the clinical record")
            written = clinical_record or generate_clinical_record(patient)
            (staging / "clinical.json").write_text(
                json.dumps(written.to_json(), indent=1) + "\n", encoding="utf-8")
            truth["clinical"] = {"record": "clinical.json", **written.truth_json()}
        (staging / "truth.json").write_text(json.dumps(truth, indent=1) + "\n",
                                            encoding="utf-8")
        _publish(staging, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
        raise
    return truth

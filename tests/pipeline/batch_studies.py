"""Patient studies on disk for the ``hepar batch`` tests, all from :mod:`hepar.phantoms`:

- study folders: enrolled members of a virtual cohort (``tiny`` preset), each written as
  ``hepar phantom`` writes a patient (:func:`hepar.services.phantom_patient.write_virtual_patient`);
- the camera file: a 177Lu and a 166Ho NEMA dish simulated by the same camera, written as NM
  STATIC and calibrated with ``hepar calibrate``'s use case (as ``hepar demo`` does);
- the study database: the cohort's clinical records and administrations
  (:func:`hepar.services.study_virtual.load_virtual_patients`, ``hepar db load-virtual``).

Imported by the tests of this folder (pytest puts the folder on sys.path).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The cohort: cohort_plan(COHORT_SIZE, seed=COHORT_SEED). IMAGED are the enrolled members that
#: image through hepar recon today (the others are refused by its dead-time or CT-coverage
#: checks, README "Known limits"); found by running the batch on every enrolled member.
COHORT_SIZE, COHORT_SEED = 3, 2
PRESET = "tiny"
CALIBRATION_DAY = datetime(2017, 1, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Studies:
    """A folder of study folders (``root``, with ``camera.json``) and a database (``url``)."""

    root: Path
    database: Path
    patient_ids: list[str]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    def copy(self, to: Path, patient_ids: list[str] | None = None) -> Studies:
        """A copy (studies and database) under ``to``, with only ``patient_ids``."""
        chosen = patient_ids if patient_ids is not None else self.patient_ids
        root = to / "studies"
        root.mkdir(parents=True)
        shutil.copy2(self.root / "camera.json", root / "camera.json")
        for pid in chosen:
            shutil.copytree(self.root / pid, root / pid)
        database = to / "study.db"
        shutil.copy2(self.database, database)
        return Studies(root, database, list(chosen))


def enrolled(n: int = COHORT_SIZE, seed: int = COHORT_SEED) -> list[tuple[str, int]]:
    """(study ID, seed) of the enrolled members of the cohort."""
    from hepar.phantoms import cohort_plan

    return [(m.patient_id, m.seed) for m in cohort_plan(n, seed=seed) if m.fails is None]


def write_camera(folder: Path, preset: str = PRESET) -> Path:
    """``folder/camera.json`` from simulated 177Lu and 166Ho calibration dishes (the camera
    of ``preset``)."""
    from hepar.io import StudyInfo, write_nm_static
    from hepar.phantoms import CALIBRATION_SOURCE_ACTIVITY_MBQ, simulate_calibration_acquisition
    from hepar.physics import decay_factor, nuclide
    from hepar.services.calibration import calibrate_file

    work = folder / ".calibration"
    work.mkdir(parents=True)
    start = CALIBRATION_DAY + timedelta(minutes=30)
    earlier: list[Path] = []
    for name in ("Lu-177", "Ho-166"):
        tag = name.replace("-", "").lower()
        activity = CALIBRATION_SOURCE_ACTIVITY_MBQ * decay_factor(
            CALIBRATION_DAY, start, nuclide(name).half_life_h)
        acquisition, _ = simulate_calibration_acquisition(
            name, activity, acquisition_start=start, preset_name=preset, seed=0)
        path = write_nm_static(
            acquisition.projections, work / f"{tag}_source_static.dcm",
            study=StudyInfo(patient_id="QC-CAMERA", patient_name="QC^Calibration",
                            study_datetime=start, study_description="camera calibration"),
            series_description=f"{name} calibration dish", creation_datetime=start)
        out = folder / "camera.json" if name == "Ho-166" else work / f"camera_{tag}.json"
        calibrate_file(path, activity_mbq=CALIBRATION_SOURCE_ACTIVITY_MBQ,
                       reference_time=CALIBRATION_DAY, out=out, combine_with=earlier)
        earlier = [out]
    shutil.rmtree(work)
    return folder / "camera.json"


def write_studies(to: Path, members: list[tuple[str, int]], *, n: int = COHORT_SIZE,
                  seed: int = COHORT_SEED, preset: str = PRESET) -> Studies:
    """Study folders of ``members`` under ``to/studies`` (``preset``), the camera file and a
    database of the cohort ``cohort_plan(n, seed=seed)`` at ``to/study.db`` (its records are
    those of the ``tiny`` preset, as ``hepar db load-virtual`` loads them)."""
    from hepar.services.phantom_patient import write_virtual_patient
    from hepar.services.study_data import upgrade_database
    from hepar.services.study_virtual import load_virtual_patients
    from hepar.store import Store

    root = to / "studies"
    root.mkdir(parents=True)
    for pid, member_seed in members:
        write_virtual_patient(root / pid, seed=member_seed, preset_name=preset)
    write_camera(root, preset)
    database = to / "study.db"
    store = Store(f"sqlite:///{database}")
    upgrade_database(store)
    load_virtual_patients(store, n_patients=n, seed=seed)
    store.engine.dispose()
    return Studies(root, database, [pid for pid, _ in members])

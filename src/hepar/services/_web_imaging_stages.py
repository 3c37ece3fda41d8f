"""The stages of a web imaging job, each a use case on the store's pseudonymised files:
reconstruct (:func:`~hepar.services.reconstruction.reconstruct_files`), plan
(:func:`~hepar.services.planning.image_plan`), dose
(:func:`~hepar.services.dose_calculation.compute_dose`), the viewer's volumes (the CT in HU, the
VOIs and the isodose bands as label maps), and the processing runs recorded through the audited
path (:func:`~hepar.services.study_records.record_processing_run`).

The job's folder is assembled beside its final place and renamed when complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["isodose_levels_gy", "run_stages"]


def isodose_levels_gy(protocol: str = "registry") -> list[float]:
    """The isodose lines the viewer draws: the protocol's lung limit, its prescribed mean liver
    dose and its ideal minimum tumour dose (registry protocol: 30, 60 and 150 Gy)."""
    from hepar.io import load_protocol

    study = load_protocol(protocol)
    limits = study.planning_limits
    levels = {limits.lung_dose_max_gy, study.prescription.mean_dose_treated_liver_gy}
    if limits.tumour_dose_ideal_min_gy is not None:
        levels.add(limits.tumour_dose_ideal_min_gy)
    return sorted(float(v) for v in levels)


def _viewer_volumes(staging: Path, paths: Mapping[str, Any], dose_path: Path,
                    levels_gy: Sequence[float]) -> dict[str, Any]:
    """CT (HU), VOI labels (1..n in the structure set's order, on the dose grid) and isodose
    bands (k: dose at or above the k-th level) as NIfTI for the viewer."""
    from hepar.imaging import Volume, VolumeUnit
    from hepar.io import read_ct_series, read_nifti, write_nifti

    from ._dose_inputs import load_masks

    folder = staging / "viewer"
    folder.mkdir()
    write_nifti(read_ct_series(paths["ct"]), folder / "ct_hu.nii.gz")
    dose = read_nifti(dose_path)
    masks = load_masks(paths["structures"], dose)
    labels = np.zeros(dose.shape, dtype=np.uint8)
    names = []
    for index, (name, mask) in enumerate(masks.items(), start=1):
        labels[mask.boolean & (labels == 0)] = index
        names.append(name)
    write_nifti(Volume(labels, dose.affine, VolumeUnit.FRACTION, dose.frame_of_reference_uid),
                folder / "voi_labels.nii.gz")
    bands = np.digitize(np.asarray(dose.array), np.asarray(levels_gy)).astype(np.uint8)
    write_nifti(Volume(bands, dose.affine, VolumeUnit.FRACTION, dose.frame_of_reference_uid),
                folder / "isodose_labels.nii.gz")
    return {"voi_names": names, "isodose_levels_gy": list(levels_gy)}


def _plan_summary(plan: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("activity_mbq", "treated_mass_kg", "target_dose_gy", "lung_shunt_fraction",
            "lung_dose_gy", "within_limits", "failed_limits")
    return {key: plan.get(key) for key in keys}


def run_stages(store: Any, user: str, *, study_id: str, folder: Path,
               parameters: Mapping[str, Any], paths: Mapping[str, Any],
               stages: Sequence[str], stage: Callable[[int, str], None],
               version: str) -> dict[str, Any]:
    """Run every stage of a job into ``folder`` (calling ``stage(k, name)`` as each starts) and
    return the job's summary."""
    from hepar.physics import decay_factor_over_h, nuclide

    from .dose_calculation import compute_dose
    from .planning import image_plan
    from .reconstruction import reconstruct_files
    from .study_records import record_processing_run

    started = datetime.now(UTC)
    kind = str(parameters["kind"])
    activity = float(parameters["activity_mbq"])
    hours = float(parameters["hours_after_administration"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        stage(1, stages[0])
        # normalised to the administered activity decayed to the scan (the clinical practice for
        # 166Ho, REFERENCE.md; hepar demo does the same for the post-treatment scan)
        at_scan = activity * float(decay_factor_over_h(hours, nuclide("Ho-166").half_life_h))

        def osem(done: int, total: int) -> None:
            stage(1, f"{stages[0]} (iteration {done} of {total})")

        recon = reconstruct_files(paths["projections"], ct=paths["ct"], out=staging / "recon",
                                  isotope="Ho-166", normalise_to_mbq=at_scan, progress=osem)
        stage(2, stages[1])
        is_scout = kind == "scout"
        plan = image_plan(spect=staging / "recon" / recon["files"]["dicom"],
                          structures=paths["structures"], ct=paths["ct"],
                          scout_activity_mbq=activity if is_scout else None,
                          scout_time_h=hours if is_scout else None)
        (staging / "plan.json").write_text(json.dumps(plan, indent=1, default=str),
                                           encoding="utf-8")
        stage(3, stages[2])
        dose = compute_dose(spect=[staging / "recon" / recon["files"]["nifti"]],
                            times_h=[hours], out=staging / "dose", nuclide_name="Ho-166",
                            method="local", structures=paths["structures"], ct=paths["ct"],
                            administered_activity_mbq=activity)
        stage(4, stages[3])
        viewer = _viewer_volumes(staging, paths, staging / "dose" / "dose_gy.nii.gz",
                                 isodose_levels_gy())
        stage(5, stages[4])
        outputs = {
            "reconstruction": {"total_activity_mbq": recon["total_activity_mbq"],
                               "calibration": recon["calibration"],
                               "iterations": recon["iterations"], "subsets": recon["subsets"]},
            "plan": _plan_summary(plan),
            "dose": {"voi_metrics": dose["voi_metrics"], "max_dose_gy": dose["max_dose_gy"]},
        }
        settings = {"kind": kind, "activity_mbq": activity, "hours_after_administration": hours,
                    "normalise_to_mbq": at_scan, "method": "local"}
        finished = datetime.now(UTC)
        record_processing_run(store, user, study_id=study_id, kind="reconstruction",
                              inputs_sha256=paths["sha256"], parameters=settings,
                              software_version=version, outputs=outputs["reconstruction"],
                              started_at=started, finished_at=finished)
        record_processing_run(store, user, study_id=study_id, kind="dosimetry",
                              inputs_sha256=paths["sha256"], parameters=settings,
                              software_version=version,
                              outputs={"plan": outputs["plan"], **outputs["dose"]},
                              started_at=started, finished_at=finished)
        if folder.exists():
            shutil.rmtree(folder)
        staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {**outputs, **viewer}

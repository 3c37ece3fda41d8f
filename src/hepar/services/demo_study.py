"""Use case: the demo study, end to end on one virtual patient (``hepar demo`` / ``make demo``).

One virtual HEPAR PLUS patient goes through every step hepar can do today:

1. simulate the patient and write what the scanner writes (CT series, NM projection files, true
   VOIs as DICOM SEG) and its ground truth;
2. calibrate the camera: a 177Lu and a 166Ho source of known activity (NEMA planar dish) imaged
   by the same simulated camera, written as NM STATIC, calibrated with ``hepar calibrate``
   (sensitivities, dead time, crosstalk ratios in one camera file);
3. describe the scanner files as a physicist would check them (``hepar info``);
4. screen the candidate against the registry protocol (``hepar screen``);
5. reconstruct the scout SPECT (``hepar recon`` with the camera file) and plan the 166Ho
   activity from it (``hepar plan --spect``);
6. reconstruct the post-treatment SPECT and compute the absorbed dose from it, with its DVH and
   lesion tables (``hepar dose --spect``);
7. follow up: RECIST 1.1 at 3 months in the treated volume, EORTC QLQ-C30 change, CTCAE worst
   grades (``hepar recist``, ``hepar qol``, ``hepar ctcae``);
8. compare with the ground truth: the reconstructed activities and the dose from the
   reconstruction against the simulator's truth (the real test of the chain projections ->
   reconstruction -> dose), and, labelled apart, the local-deposition dose of the *true* map
   against the simulator's own local-deposition truth -- both use 15.87 mJ/MBq, so that one
   checks masks and density only (issue 14, point 5).

The simulator's true activity maps are never an input of planning or dosimetry: they are only
the comparison.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.phantoms import (
    CALIBRATION_SOURCE_ACTIVITY_MBQ,
    VirtualPatient,
    generate_clinical_record,
    generate_virtual_patient,
)
from hepar.physics import G_PER_KG, S_PER_H

__all__ = ["DEMO_MARKER", "DEMO_STEPS", "run_demo"]

#: File that marks a folder as written by ``hepar demo`` (only such a folder is overwritten).
DEMO_MARKER = ".hepar-demo"
#: QLQ-C30 items are 1-30; items 31-51 (QLQ-GI.NET21) need the site's licensed scale file.
QLQ_C30_LAST_ITEM = 30
DEMO_STEPS = (
    "simulate the virtual patient",
    "write CT, NM projections, SEG and truth",
    "calibrate the camera with 177Lu and 166Ho sources",
    "describe the scanner files",
    "screen the candidate",
    "reconstruct the scout SPECT",
    "plan 166Ho from the reconstructed scout",
    "reconstruct the post-treatment SPECT",
    "dose from the reconstructed post-treatment SPECT",
    "follow-up: RECIST, QoL, CTCAE",
    "compare with the ground truth",
)


def _prepare(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise InvalidValueError(
                field="out", value=str(out),
                expected="a new or empty folder (or --overwrite for a previous demo's folder)",
            )
        if not (out / DEMO_MARKER).exists():
            raise InvalidValueError(
                field="out", value=str(out),
                expected=f"a folder written by hepar demo (it has no {DEMO_MARKER}); "
                "refusing to delete anything else",
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("written by hepar demo\n", encoding="utf-8")


def _write_masks(patient: VirtualPatient, folder: Path, frame_of_reference_uid: str
                 ) -> dict[str, Any]:
    """The VOIs the physicist would draw, as NIfTI masks on the truth grid, in the frame of
    reference of one SPECT/CT session (the virtual patient lies identically in every session,
    so only the frame differs)."""
    from hepar.io import write_nifti

    folder.mkdir(parents=True, exist_ok=True)
    masks = {m.name: m for m in patient.anatomy.masks(patient.labels)}
    truth = patient.grid
    grid = Volume(np.zeros(truth.shape, np.uint8), truth.affine, VolumeUnit.FRACTION,
                  frame_of_reference_uid)

    def save(name: str, occupancy: np.ndarray) -> str:
        path = folder / f"{name.replace(' ', '_')}.nii.gz"
        write_nifti(Mask.on_grid_of(name, grid, occupancy).grid, path)
        return str(path)

    lungs = np.zeros(grid.shape, dtype=bool)
    for name in ("lung right", "lung left"):
        if name in masks:
            lungs |= masks[name].boolean
    tumours = [
        save(lesion.name, masks[lesion.name].boolean)
        for lesion in patient.anatomy.lesions
        if lesion.treated and masks[lesion.name].boolean.any()
    ]
    return {
        "liver": save("treated liver", masks["treated liver"].boolean),
        "lungs": save("lungs", lungs),
        "body": save("body", masks["body"].boolean),
        "tumours": tumours,
    }


def _calibrate(out: Path, preset_name: str, seed: int, session_start: datetime
               ) -> tuple[Path, dict[str, Any]]:
    """Simulate the morning calibration -- a 177Lu and a 166Ho NEMA dish, each measured in the
    dose calibrator 30 min before a 5 min planar acquisition -- write them as NM STATIC and
    calibrate the camera from them (the 177Lu record merged into the 166Ho one, so the camera
    file also holds the crosstalk ratios)."""
    from hepar.io import StudyInfo, write_nm_static
    from hepar.phantoms import simulate_calibration_acquisition
    from hepar.physics import decay_factor, nuclide
    from hepar.services.calibration import calibrate_file

    folder = out / "calibration"
    folder.mkdir()
    day = session_start.replace(hour=8, minute=0, second=0, microsecond=0)
    reference, start = day, day + timedelta(minutes=30)
    sources: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for name in ("Lu-177", "Ho-166"):
        tag = name.replace("-", "").lower()
        activity = CALIBRATION_SOURCE_ACTIVITY_MBQ * decay_factor(reference, start,
                                                         nuclide(name).half_life_h)
        acquisition, _ = simulate_calibration_acquisition(
            name, activity, acquisition_start=start, preset_name=preset_name, seed=seed)
        path = write_nm_static(
            acquisition.projections, folder / f"{tag}_source_static.dcm",
            study=StudyInfo(patient_id="QC-CAMERA", patient_name="QC^Calibration",
                            study_datetime=start, study_description="camera calibration"),
            series_description=f"{name} calibration dish", creation_datetime=start,
        )
        earlier = [folder / "camera_lu177.json"] if name == "Ho-166" else []
        summary = calibrate_file(
            path, activity_mbq=CALIBRATION_SOURCE_ACTIVITY_MBQ, reference_time=reference,
            out=folder / ("camera.json" if name == "Ho-166" else f"camera_{tag}.json"),
            combine_with=earlier)
        sources[name] = {"shape": "dish",
                         "activity_mbq_at_reference": CALIBRATION_SOURCE_ACTIVITY_MBQ,
                         "reference_time": reference.isoformat(),
                         "activity_mbq_at_acquisition": activity, "file": str(path)}
    summary["source"] = sources
    return folder / "camera.json", summary


def _percent_error(value: float, truth: float) -> float | None:
    return None if truth == 0 else round(100.0 * (value - truth) / truth, 3)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / S_PER_H


def run_demo(
    out_dir: str | Path,
    *,
    seed: int = 1,
    preset_name: str = "clinical",
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the demo study on one virtual patient and write everything under ``out_dir``.

    Returns the summary also written to ``out_dir/demo_summary.json``: ``patient``,
    ``files``, ``screening``, ``plan``, ``dose``, ``follow_up``, ``calibration``,
    ``reconstruction``, ``truth_comparison`` and ``notes`` (README, ``hepar demo``).
    """
    from hepar.io import load_protocol
    from hepar.services.clinical_ctcae import adverse_event_summary
    from hepar.services.clinical_qol import qol_change_json, questionnaires, score_qol
    from hepar.services.clinical_recist import assess_reads, recist_json
    from hepar.services.clinical_screen import screen_candidate, screening_json
    from hepar.services.describe import describe
    from hepar.services.dose_calculation import compute_dose
    from hepar.services.phantom_patient import write_virtual_patient
    from hepar.services.planning import image_plan
    from hepar.services.reconstruction import reconstruct_files

    step = progress or (lambda _message: None)
    out = Path(out_dir)
    _prepare(out, overwrite)

    step(DEMO_STEPS[0])
    patient = generate_virtual_patient(seed, preset_name)
    step(DEMO_STEPS[1])
    folder = out / "patient"
    record = generate_clinical_record(patient)
    truth = write_virtual_patient(folder, seed=seed, preset_name=preset_name, patient=patient,
                                  clinical_record=record)
    scans = {scan["name"]: scan for scan in truth["scans"]}
    scout_scan, treatment_scan = scans["ho166_scout"], scans["ho166_treatment"]

    step(DEMO_STEPS[2])
    scout_session = patient.session(scout_scan["session"])
    camera, calibration = _calibrate(out, preset_name, seed,
                                     datetime.fromisoformat(scout_scan["acquisition_start"]))

    step(DEMO_STEPS[3])
    described = {
        "ct": describe(folder / treatment_scan["ct"]),
        "projections": describe(folder / treatment_scan["projections"]),
        "calibration": describe(Path(calibration["source"]["Ho-166"]["file"])),
    }

    step(DEMO_STEPS[4])
    clinical = record.to_json()
    inputs = out / "inputs"  # the records as files, for running the commands on them by hand
    inputs.mkdir()
    (inputs / "candidate.json").write_text(json.dumps(clinical["candidate"], indent=1),
                                           encoding="utf-8")
    screening = screening_json(screen_candidate(record.candidate, load_protocol("registry")))

    step(DEMO_STEPS[5])
    recon = out / "recon"
    recon.mkdir()
    scout_recon = reconstruct_files(
        [folder / scout_scan["projections"]], ct=folder / scout_scan["ct"],
        out=recon / "scout", camera=camera, isotope="Ho-166")

    step(DEMO_STEPS[6])
    scout_masks = _write_masks(patient, inputs / "masks" / "scout",
                               scout_session.frame_of_reference_uid)
    administrations = {a["name"]: a for a in truth["administrations"]}
    scout_given = administrations["ho166_scout"]
    scout_time = datetime.fromisoformat(scout_given["time"])
    plan = image_plan(
        spect=recon / "scout" / scout_recon["files"]["dicom"],
        liver_mask=scout_masks["liver"], lung_mask=scout_masks["lungs"],
        tumour_masks=scout_masks["tumours"], scout_activity_mbq=scout_given["activity_mbq"],
        scout_time_h=_hours(scout_time, datetime.fromisoformat(scout_scan["acquisition_start"])),
    )
    (out / "plan.json").write_text(json.dumps(plan, indent=1, default=str), encoding="utf-8")

    step(DEMO_STEPS[7])
    treatment_session = patient.session(treatment_scan["session"])
    treatment_given = administrations["ho166_treatment"]
    treatment_time = datetime.fromisoformat(treatment_given["time"])
    scan_start = datetime.fromisoformat(treatment_scan["acquisition_start"])
    scan_time_h = _hours(treatment_time, scan_start)
    # The post-treatment scan is acquired once the 166Ho in the field of view has decayed below
    # about 1.4 GBq (hepar.phantoms.POST_TREATMENT_SCAN_MAX_MBQ: 2-5 days after treatment, as
    # advised for dead time), where the paralysable dead-time correction is well defined:
    # quantified from the camera calibration like the scout, no normalisation.
    treatment_recon = reconstruct_files(
        [folder / treatment_scan["projections"]], ct=folder / treatment_scan["ct"],
        out=recon / "treatment", camera=camera, isotope="Ho-166")

    step(DEMO_STEPS[8])
    masks = _write_masks(patient, inputs / "masks" / "treatment",
                         treatment_session.frame_of_reference_uid)
    dose = compute_dose(
        spect=[recon / "treatment" / treatment_recon["files"]["nifti"]],
        times_h=[scan_time_h], out=out / "dose", nuclide_name="Ho-166", method="local",
        liver_mask=masks["liver"], lung_mask=masks["lungs"], tumour_masks=masks["tumours"],
        body_mask=masks["body"], administered_activity_mbq=treatment_given["activity_mbq"],
    )
    # The mask and density check of issue 14 (point 5): the same local deposition on the
    # simulator's TRUE map (truth frame) -- no reconstruction in it, only masks and density.
    truth_masks = _write_masks(patient, inputs / "masks" / "truth",
                               patient.grid.frame_of_reference_uid)
    true_map_dose = compute_dose(
        spect=[folder / treatment_scan["true_activity_bq_per_ml"]["Ho-166"]],
        times_h=[scan_time_h], out=out / "dose_true_map", nuclide_name="Ho-166",
        method="local", liver_mask=truth_masks["liver"], lung_mask=truth_masks["lungs"],
        tumour_masks=truth_masks["tumours"], body_mask=truth_masks["body"],
    )

    step(DEMO_STEPS[9])
    follow = inputs / "follow_up"
    follow.mkdir()
    (follow / "reads.json").write_text(json.dumps(clinical["recist"]), encoding="utf-8")
    c30 = questionnaires()
    scores = {}
    for visit, name in (("screening", "qol_baseline.json"), ("fu-3m", "qol_3m.json")):
        c30_only = {item: answer for item, answer in record.qol[visit].answers.items()
                    if item <= QLQ_C30_LAST_ITEM}
        (follow / name).write_text(json.dumps(c30_only), encoding="utf-8")
        scores[visit] = score_qol(c30_only, c30)
    (follow / "adverse_events.json").write_text(
        json.dumps(clinical["adverse_events"]), encoding="utf-8")
    recist = recist_json(assess_reads(record.recist))
    qol = qol_change_json(scores["screening"], scores["fu-3m"], c30)
    ctcae = adverse_event_summary(
        record.adverse_events, now=datetime.fromisoformat(truth["scans"][-1]["acquisition_start"])
    )

    step(DEMO_STEPS[10])
    liver_metrics = next(m for m in dose["voi_metrics"] if m["name"] == "liver")
    true_map_liver = next(m for m in true_map_dose["voi_metrics"] if m["name"] == "liver")
    true_liver_gy = truth["dose"]["mean_treated_liver_gy"]["ho166_treatment"]
    true_mass_kg = truth["administrations"][-1]["planning"]["treated_liver_mass_g"] / G_PER_KG
    summary: dict[str, Any] = {
        "patient": {"id": truth["patient_id"], "seed": seed, "preset": truth["preset"],
                    "folder": str(folder)},
        "files": {"ct": described["ct"], "projections": described["projections"],
                  "calibration": described["calibration"]},
        "screening": {"eligible": screening["eligible"],
                      "screen_failure_reasons": screening.get("screen_failure_reasons", [])},
        "plan": {key: plan[key] for key in ("activity_mbq", "treated_mass_kg",
                                            "lung_shunt_fraction", "lung_dose_gy",
                                            "within_limits", "failed_limits")},
        "dose": {"liver_mean_gy": liver_metrics["mean_gy"], "voi_metrics": dose["voi_metrics"],
                 "files": dose["files"]},
        "follow_up": {
            "best_overall_response": recist["best_overall_response"],
            "timepoints": [{k: t[k] for k in ("date", "overall", "reason")}
                           for t in recist["timepoints"]],
            "qol_summary_change": qol["scales"].get("summary"),
            "ctcae": ctcae,
        },
        "calibration": {key: calibration[key] for key in (
            "camera", "sensitivities", "dead_time_s", "dead_time_alpha_cps_per_mbq",
            "collimator", "source")},
        "reconstruction": {
            name: {"folder": str(recon / name), "total_activity_mbq": r["total_activity_mbq"],
                   "calibration": r["calibration"], "iterations": r["iterations"],
                   "subsets": r["subsets"], "files": r["files"]}
            for name, r in (("scout", scout_recon), ("treatment", treatment_recon))},
        "truth_comparison": {
            "comparison": "reconstruction -> plan and dose vs the simulator's truth: the "
                          "plan and the dose come from hepar recon of the simulated "
                          "projections (camera calibration, no normalisation); the true maps "
                          "are used for nothing else than this comparison",
            "planned_activity_mbq": plan["activity_mbq"],
            "true_administered_activity_mbq": treatment_given["activity_mbq"],
            "planned_treated_mass_kg": plan["treated_mass_kg"],
            "true_treated_liver_mass_kg": true_mass_kg,
            "computed_treated_liver_mean_dose_gy": liver_metrics["mean_gy"],
            "true_treated_liver_mean_dose_gy": true_liver_gy,
            "dose_error_pct": _percent_error(liver_metrics["mean_gy"], true_liver_gy),
            "planned_lung_shunt_fraction": plan["lung_shunt_fraction"],
            "true_lung_shunt_fraction": scout_given["lung_shunt_fraction"],
            "reconstructed_activity": {
                name: {"reconstructed_mbq": r["total_activity_mbq"],
                       "true_in_field_of_view_mbq": scan["activity_in_fov_mbq"],
                       "error_pct": _percent_error(r["total_activity_mbq"],
                                                   scan["activity_in_fov_mbq"])}
                for name, r, scan in (("scout", scout_recon, scout_scan),
                                      ("treatment", treatment_recon, treatment_scan))},
            "mask_density_check": {
                "what": "NOT a test of quantification: hepar dose (local deposition) on the "
                        "simulator's TRUE activity map vs the simulator's own "
                        "local-deposition truth; both use 15.87 mJ/MBq, so only the masks "
                        "and the density can make them differ",
                "true_map_treated_liver_mean_dose_gy": true_map_liver["mean_gy"],
                "true_treated_liver_mean_dose_gy": true_liver_gy,
                "difference_pct": _percent_error(true_map_liver["mean_gy"], true_liver_gy),
            },
        },
        "notes": [
            "Planning and dose use the SPECT reconstructed by hepar recon from the simulated "
            "projections, calibrated with the camera file from the simulated 166Ho source "
            "(hepar calibrate); the simulator's true maps are only the comparison "
            "(truth_comparison).",
            "QLQ-GI.NET21 answers (items 31-51) are recorded but not scored: its scale map is "
            "licensed by the EORTC and ships with a site's licence, not with hepar.",
        ],
    }
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=1, default=str),
                                           encoding="utf-8")
    return summary

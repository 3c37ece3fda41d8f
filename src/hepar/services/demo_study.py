"""Use case: the demo study, end to end on one virtual patient (``hepar demo`` / ``make demo``).

One virtual HEPAR PLUS patient goes through every step hepar can do today:

1. simulate the patient and write what the scanner writes (CT series, NM projection files, true
   VOIs as DICOM SEG) and its ground truth;
2. describe the scanner files as a physicist would check them (``hepar info``);
3. screen the candidate against the registry protocol (``hepar screen``);
4. plan the 166Ho activity from the scout (``hepar plan``);
5. compute the absorbed dose after treatment with its DVH and lesion tables (``hepar dose``);
6. follow up: RECIST 1.1 at 3 months in the treated volume, EORTC QLQ-C30 change, CTCAE worst
   grades (``hepar recist``, ``hepar qol``, ``hepar ctcae``);
7. compare planned activity and computed dose with the ground truth.

Until quantitative SPECT reconstruction exists in hepar, steps 4 and 5 take the simulator's
true activity maps (Bq/mL, NIfTI) in place of a reconstructed SPECT; the summary says so.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from hepar.errors import InvalidValueError
from hepar.imaging import Mask
from hepar.phantoms import VirtualPatient, generate_clinical_record, generate_virtual_patient
from hepar.physics import G_PER_KG, S_PER_H

__all__ = ["DEMO_MARKER", "DEMO_STEPS", "run_demo"]

#: File that marks a folder as written by ``hepar demo`` (only such a folder is overwritten).
DEMO_MARKER = ".hepar-demo"
#: QLQ-C30 items are 1-30; items 31-51 (QLQ-GI.NET21) need the site's licensed scale file.
QLQ_C30_LAST_ITEM = 30
DEMO_STEPS = (
    "simulate the virtual patient",
    "write CT, NM projections, SEG and truth",
    "describe the scanner files",
    "screen the candidate",
    "plan 166Ho from the scout",
    "dose after 166Ho treatment",
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


def _write_masks(patient: VirtualPatient, folder: Path) -> dict[str, Any]:
    """The VOIs the physicist would draw, as NIfTI masks on the truth grid."""
    from hepar.io import write_nifti

    folder.mkdir(parents=True, exist_ok=True)
    masks = {m.name: m for m in patient.anatomy.masks(patient.labels)}
    grid = patient.grid

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
    ``files``, ``screening``, ``plan``, ``dose``, ``follow_up``, ``truth_comparison`` and
    ``notes``.
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
    described = {
        "ct": describe(folder / treatment_scan["ct"]),
        "projections": describe(folder / treatment_scan["projections"]),
    }

    step(DEMO_STEPS[3])
    clinical = record.to_json()
    inputs = out / "inputs"  # the records as files, for running the commands on them by hand
    inputs.mkdir()
    (inputs / "candidate.json").write_text(json.dumps(clinical["candidate"], indent=1),
                                           encoding="utf-8")
    screening = screening_json(screen_candidate(record.candidate, load_protocol("registry")))

    step(DEMO_STEPS[4])
    masks = _write_masks(patient, inputs / "masks")
    administrations = {a["name"]: a for a in truth["administrations"]}
    scout_given = administrations["ho166_scout"]
    scout_time = datetime.fromisoformat(scout_given["time"])
    plan = image_plan(
        spect=folder / scout_scan["true_activity_bq_per_ml"]["Ho-166"],
        liver_mask=masks["liver"], lung_mask=masks["lungs"], tumour_masks=masks["tumours"],
        scout_activity_mbq=scout_given["activity_mbq"],
        scout_time_h=_hours(scout_time, datetime.fromisoformat(scout_scan["acquisition_start"])),
    )
    (out / "plan.json").write_text(json.dumps(plan, indent=1, default=str), encoding="utf-8")

    step(DEMO_STEPS[5])
    treatment_given = administrations["ho166_treatment"]
    treatment_time = datetime.fromisoformat(treatment_given["time"])
    dose = compute_dose(
        spect=[folder / treatment_scan["true_activity_bq_per_ml"]["Ho-166"]],
        times_h=[_hours(treatment_time,
                        datetime.fromisoformat(treatment_scan["acquisition_start"]))],
        out=out / "dose", nuclide_name="Ho-166", method="local",
        liver_mask=masks["liver"], lung_mask=masks["lungs"], tumour_masks=masks["tumours"],
        body_mask=masks["body"], administered_activity_mbq=treatment_given["activity_mbq"],
    )

    step(DEMO_STEPS[6])
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

    step(DEMO_STEPS[7])
    liver_metrics = next(m for m in dose["voi_metrics"] if m["name"] == "liver")
    true_liver_gy = truth["dose"]["mean_treated_liver_gy"]["ho166_treatment"]
    true_mass_kg = truth["administrations"][-1]["planning"]["treated_liver_mass_g"] / G_PER_KG
    summary: dict[str, Any] = {
        "patient": {"id": truth["patient_id"], "seed": seed, "preset": truth["preset"],
                    "folder": str(folder)},
        "files": {"ct": described["ct"], "projections": described["projections"]},
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
        "truth_comparison": {
            "planned_activity_mbq": plan["activity_mbq"],
            "true_administered_activity_mbq": treatment_given["activity_mbq"],
            "planned_treated_mass_kg": plan["treated_mass_kg"],
            "true_treated_liver_mass_kg": true_mass_kg,
            "computed_treated_liver_mean_dose_gy": liver_metrics["mean_gy"],
            "true_treated_liver_mean_dose_gy": true_liver_gy,
        },
        "notes": [
            "Planning and dose use the simulator's true activity maps in place of a "
            "reconstructed quantitative SPECT (reconstruction is not yet part of hepar).",
            "QLQ-GI.NET21 answers (items 31-51) are recorded but not scored: its scale map is "
            "licensed by the EORTC and ships with a site's licence, not with hepar.",
        ],
    }
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=1, default=str),
                                           encoding="utf-8")
    return summary

"""One patient's imaging workflow as a task: simulate -> calibrate -> reconstruct scout -> plan
-> reconstruct treatment -> dose -> results (:func:`run_patient`).

The work is the use case :func:`hepar.services.demo_study.run_demo` (every step on files, as a
site would); this module makes it a task: a pure function of its job, whose folder appears whole
or not at all, and whose result is keyed by the SHA-256 of its inputs and parameters, so that a
re-run finds it done and skips it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import hepar

__all__ = ["RESULT_FILE", "PatientImaging", "PatientJob", "run_patient"]

#: The per-patient result, written last: its presence (with the job's key) means "done".
RESULT_FILE = "imaging_result.json"


@dataclass(frozen=True)
class PatientJob:
    """One virtual patient to image: its cohort ID, simulator seed and preset."""

    patient_id: str
    seed: int
    preset: str

    def key(self) -> str:
        """SHA-256 of the job's inputs and parameters and of the software version."""
        text = json.dumps({"patient_id": self.patient_id, "seed": self.seed,
                           "preset": self.preset, "hepar": hepar.__version__}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PatientImaging:
    """What the imaging workflow found for one patient (reconstruction-based).

    Tumour and lesion doses are means over the treated lesions' VOIs of the dose map computed
    from the reconstructed post-treatment SPECT (local deposition); ``*_predicted_gy`` come from
    the plan on the reconstructed scout. ``lesion_dose_gy`` maps the cohort's lesion ID
    (``L<number>``) to its dose.
    """

    patient_id: str
    key: str
    folder: str
    planned_activity_mbq: float
    lung_shunt_fraction: float
    tumour_gy: float | None
    tumour_predicted_gy: float | None
    non_tumour_liver_gy: float | None
    non_tumour_liver_predicted_gy: float | None
    lung_gy: float | None
    lung_predicted_gy: float | None
    treated_liver_mean_gy: float
    true_treated_liver_mean_gy: float
    lesion_dose_gy: dict[str, float] = field(default_factory=dict)
    inputs_sha256: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PatientImaging:
        return cls(**data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mean_of(rows: list[dict[str, Any]], name: str, key: str) -> float | None:
    return next((float(r[key]) for r in rows if r["name"] == name and r.get(key) is not None),
                None)


def _tumour_mean(rows: list[dict[str, Any]], key: str, mass_key: str = "mass_g"
                 ) -> float | None:
    """Mass-weighted mean over the tumour VOIs (the tumour dose of the patient)."""
    tumours = [r for r in rows if str(r["name"]).startswith("tumour ")
               and r.get(key) is not None]
    mass = sum(float(r[mass_key]) for r in tumours)
    if not tumours or mass <= 0:
        return None
    return sum(float(r[key]) * float(r[mass_key]) for r in tumours) / mass


def _result(job: PatientJob, folder: Path, summary: dict[str, Any]) -> PatientImaging:
    from hepar.phantoms import generate_virtual_patient

    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    dose = json.loads((folder / "dose" / "summary.json").read_text(encoding="utf-8"))
    rows, vois = dose["voi_metrics"], plan["vois"]
    # The demo writes one tumour mask per treated lesion with voxels, in the anatomy's order,
    # and hepar dose names them "tumour 1", "tumour 2", ... in that order.
    patient = generate_virtual_patient(job.seed, job.preset)
    masks = {m.name: m for m in patient.anatomy.masks(patient.labels)}
    treated = [lesion for lesion in patient.anatomy.lesions
               if lesion.treated and masks[lesion.name].boolean.any()]
    lesions = {f"L{lesion.number}": _mean_of(rows, f"tumour {index}", "mean_gy")
               for index, lesion in enumerate(treated, start=1)}
    truth = summary["truth_comparison"]
    files = sorted(p for p in (folder / "patient").rglob("*") if p.is_file())
    return PatientImaging(
        patient_id=job.patient_id, key=job.key(), folder=str(folder),
        planned_activity_mbq=float(plan["activity_mbq"]),
        lung_shunt_fraction=float(plan["lung_shunt_fraction"]),
        tumour_gy=_tumour_mean(rows, "mean_gy"),
        tumour_predicted_gy=_tumour_mean(vois, "predicted_mean_dose_gy"),
        non_tumour_liver_gy=_mean_of(rows, "non-tumour liver", "mean_gy"),
        non_tumour_liver_predicted_gy=_mean_of(vois, "non-tumour liver",
                                               "predicted_mean_dose_gy"),
        lung_gy=_mean_of(rows, "lungs", "mean_gy"),
        lung_predicted_gy=float(plan["lung_dose_gy"]),
        treated_liver_mean_gy=float(truth["computed_treated_liver_mean_dose_gy"]),
        true_treated_liver_mean_gy=float(truth["true_treated_liver_mean_dose_gy"]),
        lesion_dose_gy={k: v for k, v in lesions.items() if v is not None},
        inputs_sha256={str(p.relative_to(folder)): _sha256(p) for p in files
                       if p.suffix in (".dcm", ".gz", ".json")},
    )


def run_patient(job: PatientJob, folder: str | Path) -> PatientImaging:
    """Run ``job``'s imaging workflow into ``folder`` (or return its earlier result).

    A folder whose ``imaging_result.json`` holds the job's key is done and is not redone; any
    other content is replaced. The work happens in a sibling ``.partial`` folder moved into
    place when complete, so an interruption leaves no half-written patient.
    """
    from hepar.services.demo_study import run_demo

    target = Path(folder)
    done = target / RESULT_FILE
    if done.is_file():
        data = json.loads(done.read_text(encoding="utf-8"))
        if data.get("key") == job.key():
            return PatientImaging.from_json(data)
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        summary = run_demo(partial, seed=job.seed, preset_name=job.preset)
        result = _result(job, partial, summary)
        result = PatientImaging(**{**asdict(result), "folder": str(target)})
        (partial / RESULT_FILE).write_text(json.dumps(asdict(result), indent=1),
                                           encoding="utf-8")
    except BaseException:  # a failed or interrupted patient leaves nothing behind
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return result

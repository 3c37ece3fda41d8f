"""One patient of ``hepar batch`` as a task: ingest -> reconstruct the scout -> plan ->
reconstruct the post-treatment SPECT -> dose (:func:`run_batch_job`).

The science is the use cases' (:func:`hepar.services.reconstruction.reconstruct_files`,
:func:`hepar.services.planning.image_plan`, :func:`hepar.services.dose_calculation.compute_dose`),
called as ``hepar demo`` calls them; this module reads the study folder's VOIs (DICOM SEG) onto
the reconstructed SPECT's grid as the masks those use cases take, and makes the whole a task: a
pure function of its job, whose folder appears whole or not at all, holding
``batch_result.json`` with the job's key.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._batch_inputs import Administered, BatchParameters, StudyFolder
from ._study import PatientFailure

__all__ = ["BATCH_RESULT", "BatchJob", "BatchResult", "read_done", "run_batch_job"]

#: The per-patient result, written last: its presence with the job's key means "done".
BATCH_RESULT = "batch_result.json"
#: A lesion VOI is a treated tumour when at least this fraction of it lies in the treated liver.
TREATED_FRACTION = 0.5


@dataclass(frozen=True)
class BatchJob:
    """Everything one patient's task needs (picklable; paths absolute)."""

    study: StudyFolder
    out: Path
    camera: Path
    key: str
    parameters: BatchParameters
    administered: dict[str, Administered]
    inputs_sha256: dict[str, str]


@dataclass(frozen=True)
class BatchResult:
    """One patient's results (``results[]`` of ``hepar batch --json``).

    Doses are means over VOIs of the dose map from the reconstructed post-treatment SPECT;
    ``*_predicted_gy`` from the plan on the reconstructed scout; ``lesion_dose_gy`` maps the
    SEG's lesion segment (``lesion N``) to its mean dose.
    """

    patient_id: str
    key: str
    folder: str
    planned_activity_mbq: float
    lung_shunt_fraction: float
    lung_predicted_gy: float
    reconstructed_scout_mbq: float
    reconstructed_treatment_mbq: float
    treated_liver_mean_gy: float | None
    tumour_gy: float | None
    tumour_predicted_gy: float | None
    non_tumour_liver_gy: float | None
    lung_gy: float | None
    lesion_dose_gy: dict[str, float] = field(default_factory=dict)
    inputs_sha256: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""


def read_done(out: Path, key: str) -> BatchResult | None:
    """The result in ``out`` if it was computed for ``key``, else ``None``."""
    path = out / BATCH_RESULT
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BatchResult(**data) if data.get("key") == key else None
    except (ValueError, TypeError):  # unreadable or of another version: redo it
        return None


def _mean_of(rows: list[dict[str, Any]], name: str, key: str) -> float | None:
    return next((float(r[key]) for r in rows if r["name"] == name and r.get(key) is not None),
                None)


def _tumour_mean(rows: list[dict[str, Any]], key: str) -> float | None:
    """Mass-weighted mean over the tumour VOIs (the tumour dose of the patient)."""
    tumours = [r for r in rows if str(r["name"]).startswith("tumour ") and r.get(key) is not None]
    mass = sum(float(r["mass_g"]) for r in tumours)
    if not tumours or mass <= 0:
        return None
    return sum(float(r[key]) * float(r["mass_g"]) for r in tumours) / mass


def _segment_labels(path: Path) -> list[str]:
    """The SegmentLabel of every segment of a DICOM SEG (header only)."""
    import pydicom

    from hepar.errors import DicomFormatError

    try:
        header = pydicom.dcmread(path, stop_before_pixels=True)
        return [str(item.SegmentLabel) for item in header.SegmentSequence]
    except Exception as error:  # not DICOM, or no SegmentSequence
        raise DicomFormatError(field="SegmentSequence", value=type(error).__name__,
                               expected="a DICOM Segmentation (SEG) file",
                               source=str(path)) from error


def _masks(study: StudyFolder, scan: str, spect: Path, folder: Path) -> dict[str, Any]:
    """The VOIs of the ``scan`` session's SEG as NIfTI masks on the grid of its reconstructed
    SPECT (``spect``, read once, fractional occupancy): ``liver`` (segment ``treated liver``),
    ``lungs`` (``lung right`` + ``lung left``), ``body``, and ``tumours`` (each ``lesion N``
    lying in the treated liver, in segment order) with their names."""
    import numpy as np

    from hepar.errors import InvalidValueError
    from hepar.imaging import Mask
    from hepar.io import read_nm_reconstruction, read_seg, write_nifti

    seg = study.files[f"{scan} seg"]
    labels = _segment_labels(seg)
    for name in ("treated liver", "body"):
        if name not in labels:
            raise InvalidValueError(source=str(seg), field="segments", value=labels,
                                    expected=f"a segment named {name!r}")
    lung_names = [n for n in ("lung right", "lung left") if n in labels]
    if not lung_names:
        raise InvalidValueError(source=str(seg), field="segments", value=labels,
                                expected="a segment 'lung right' or 'lung left'")
    lesions = [n for n in labels if n.startswith("lesion ") and not n.endswith("necrosis")]
    reference = read_nm_reconstruction(spect)
    segments = read_seg(seg, reference, names=["treated liver", "body", *lung_names, *lesions])
    folder.mkdir(parents=True)

    def save(name: str, occupancy: Any) -> str:
        path = folder / f"{name.replace(' ', '_')}.nii.gz"
        write_nifti(Mask.on_grid_of(name, reference, occupancy).grid, path)
        return str(path)

    liver = segments["treated liver"].fraction
    lungs = np.clip(sum(segments[n].fraction for n in lung_names), 0.0, 1.0)
    treated = []
    for name in lesions:
        occupancy = segments[name].fraction
        total = float(occupancy.sum())
        if total > 0 and float((occupancy * liver).sum()) >= TREATED_FRACTION * total:
            treated.append(name)
    return {"liver": save("treated liver", liver), "lungs": save("lungs", lungs),
            "body": save("body", segments["body"].fraction),
            "tumours": [save(name, segments[name].fraction) for name in treated],
            "tumour_names": treated}


def _hours(start: datetime, end: datetime) -> float:
    from hepar.physics import S_PER_H

    return (end - start).total_seconds() / S_PER_H


def _image(job: BatchJob, folder: Path) -> BatchResult:
    from hepar.physics import decay_factor, nuclide
    from hepar.services.dose_calculation import compute_dose
    from hepar.services.planning import image_plan
    from hepar.services.reconstruction import reconstruct_files

    started = datetime.now(UTC)
    study, settings = job.study, job.parameters
    scout_given, treatment_given = job.administered["scout"], job.administered["treatment"]
    recon = folder / "recon"
    recon.mkdir(parents=True)
    scout = reconstruct_files(
        [study.files["scout projections"]], ct=study.files["scout ct"], out=recon / "scout",
        camera=job.camera, isotope=settings.nuclide, iterations=settings.iterations,
        subsets=settings.subsets)
    scout_masks = _masks(study, "scout", recon / "scout" / scout["files"]["dicom"],
                         folder / "masks" / "scout")
    scout_start = datetime.fromisoformat(scout["acquisition_start"])
    plan = image_plan(
        spect=recon / "scout" / scout["files"]["dicom"], liver_mask=scout_masks["liver"],
        lung_mask=scout_masks["lungs"], tumour_masks=scout_masks["tumours"],
        scout_activity_mbq=scout_given.activity_mbq,
        scout_time_h=_hours(scout_given.time, scout_start), protocol=settings.protocol)
    (folder / "plan.json").write_text(json.dumps(plan, indent=1, default=str),
                                      encoding="utf-8")
    # As hepar demo does: the post-treatment scan (GBq, near the dead-time model's maximum) is
    # normalised to the administered activity decayed to the scan start.
    half_life_h = nuclide(settings.nuclide).half_life_h
    treatment_start = _treatment_start(study)
    treatment = reconstruct_files(
        [study.files["treatment projections"]], ct=study.files["treatment ct"],
        out=recon / "treatment", isotope=settings.nuclide, iterations=settings.iterations,
        subsets=settings.subsets, normalise_to_mbq=treatment_given.activity_mbq * decay_factor(
            treatment_given.time, treatment_start, half_life_h))
    masks = _masks(study, "treatment", recon / "treatment" / treatment["files"]["dicom"],
                   folder / "masks" / "treatment")
    dose = compute_dose(
        spect=[recon / "treatment" / treatment["files"]["nifti"]],
        times_h=[_hours(treatment_given.time, treatment_start)], out=folder / "dose",
        nuclide_name=settings.nuclide, method=settings.dose_method, liver_mask=masks["liver"],
        lung_mask=masks["lungs"], tumour_masks=masks["tumours"], body_mask=masks["body"],
        administered_activity_mbq=treatment_given.activity_mbq, protocol=settings.protocol)
    rows, vois = dose["voi_metrics"], plan["vois"]
    lesions = {name: _mean_of(rows, f"tumour {index}", "mean_gy")
               for index, name in enumerate(masks["tumour_names"], start=1)}
    return BatchResult(
        patient_id=study.patient_id, key=job.key, folder=str(job.out),
        planned_activity_mbq=float(plan["activity_mbq"]),
        lung_shunt_fraction=float(plan["lung_shunt_fraction"]),
        lung_predicted_gy=float(plan["lung_dose_gy"]),
        reconstructed_scout_mbq=float(scout["total_activity_mbq"]),
        reconstructed_treatment_mbq=float(treatment["total_activity_mbq"]),
        treated_liver_mean_gy=_mean_of(rows, "liver", "mean_gy"),
        tumour_gy=_tumour_mean(rows, "mean_gy"),
        tumour_predicted_gy=_tumour_mean(vois, "predicted_mean_dose_gy"),
        non_tumour_liver_gy=_mean_of(rows, "non-tumour liver", "mean_gy"),
        lung_gy=_mean_of(rows, "lungs", "mean_gy"),
        lesion_dose_gy={k: v for k, v in lesions.items() if v is not None},
        inputs_sha256=dict(job.inputs_sha256), parameters=settings.as_dict(),
        started_at=started.isoformat(), finished_at=datetime.now(UTC).isoformat())


def _treatment_start(study: StudyFolder) -> datetime:
    """The post-treatment acquisition's start, from its NM file (header only)."""
    from hepar.io import read_nm_projections

    return read_nm_projections(study.files["treatment projections"]).acquisition_start


def run_batch_job(job: BatchJob) -> BatchResult | PatientFailure:
    """Image one patient into ``job.out`` (or return its earlier result for the same key).

    Any error fails this patient alone: it is returned as a :class:`PatientFailure` with the
    error's class and message, and nothing of the patient is left behind (the work happens in a
    sibling ``.partial`` folder, renamed when complete).
    """
    done = read_done(job.out, job.key)
    if done is not None:
        return done
    partial = job.out.with_name(job.out.name + ".partial")
    try:
        if partial.exists():  # left by a worker that died
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        result = _image(job, partial)
        (partial / BATCH_RESULT).write_text(json.dumps(asdict(result), indent=1),
                                            encoding="utf-8")
        if job.out.exists():
            shutil.rmtree(job.out)
        partial.rename(job.out)
    except Exception as error:  # one patient's failure must not stop the others
        shutil.rmtree(partial, ignore_errors=True)
        return PatientFailure(job.study.patient_id, type(error).__name__, str(error))
    return result

"""Use case: one imaged patient's dosimetry report (PDF) from the files of its imaging folder.

Reads what the per-patient workflow wrote (``plan.json`` from ``hepar plan --spect``, the dose
map ``dose/dose_gy.nii.gz`` from ``hepar dose``, the VOI masks, the CT and the reconstructed
scout) and renders :func:`hepar.reports.write_patient_dosimetry_report`: the plan and scout
findings, a fused post-treatment dose / CT slice and a fused scout SPECT / CT slice through the
hottest tumour, the cumulative DVHs (treated liver, lungs, each tumour) and the dose table read
from those DVHs. Nothing is simulated: only the site's files are read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["scout_analysis_from_plan", "write_patient_report"]


def scout_analysis_from_plan(plan: dict[str, Any]) -> Any:
    """The :class:`hepar.dosimetry.ScoutAnalysis` of a ``plan.json`` (``hepar plan`` keys)."""
    from hepar.dosimetry import ExtrahepaticDeposition, LimitCheck, ScoutAnalysis, VoiPrediction

    return ScoutAnalysis(
        treatment_activity_mbq=float(plan["activity_mbq"]),
        scout_activity_mbq=float(plan["scout_activity_mbq"]),
        lung_shunt_fraction=float(plan["lung_shunt_fraction"]),
        lung_mass_kg=float(plan["lung_mass_kg"]), lung_dose_gy=float(plan["lung_dose_gy"]),
        vois=tuple(VoiPrediction(**v) for v in plan["vois"]),
        extrahepatic=tuple(ExtrahepaticDeposition(**{**e, "centroid_lps_mm": tuple(
            e["centroid_lps_mm"])}) for e in plan["extrahepatic"]),
        checks=tuple(LimitCheck(**c) for c in plan["checks"]),
        tumour_dose_ideal_min_gy=plan.get("tumour_dose_ideal_min_gy"))


def _regions(reference: Any, masks: Path) -> Any:
    from ._dose_inputs import load_regions

    # hepar dose numbers the tumours in the order given: the demo's, by lesion number
    tumours = sorted(masks.glob("lesion_*.nii.gz"),
                     key=lambda path: int(path.name.split("_")[1].split(".")[0]))
    return load_regions(reference, liver_mask=masks / "treated_liver.nii.gz",
                        lung_mask=masks / "lungs.nii.gz", tumour_masks=list(tumours))


def _hottest_slice(dose: np.ndarray, tumours: Any) -> int:
    weight = np.zeros(dose.shape)
    for mask in tumours:
        weight += np.asarray(mask.fraction, float)
    if not weight.any():
        return int(np.argmax(dose.sum(axis=(1, 2))))
    return int(np.argmax((dose * weight).sum(axis=(1, 2))))


def write_patient_report(folder: Path, patient_id: str, out_dir: Path, provenance: Any,
                         *, treatment_date: str = "") -> Any:
    """Write ``out_dir/dosimetry_<patient_id>.pdf`` (and ``.html``, figures) from the imaging
    folder ``folder``; returns :class:`hepar.reports.PatientReportPaths`."""
    from hepar.dosimetry import density_from_regions, dose_volume_histogram
    from hepar.io import read_nifti
    from hepar.physics import BQ_PER_KBQ
    from hepar.reports import FusedSlice, PatientDosimetryReport, write_patient_dosimetry_report

    from ._dose_inputs import load_activity, load_ct_on_grid

    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    truth = json.loads((folder / "patient" / "truth.json").read_text(encoding="utf-8"))
    ct_of = {scan["name"]: folder / "patient" / scan["ct"] for scan in truth["scans"]}
    given = {a["name"]: a for a in truth["administrations"]}
    summary = json.loads((folder / "dose" / "summary.json").read_text(encoding="utf-8"))
    dose = read_nifti(folder / "dose" / "dose_gy.nii.gz", unit="Gy")
    regions = _regions(dose, folder / "inputs" / "masks" / "treatment")
    # the density map hepar dose used without a CT: lungs inflated, elsewhere tissue
    density = density_from_regions(dose, lungs=regions.lungs, tissue_density_g_per_ml=float(
        summary["tissue_density_g_per_ml"]))
    dvhs = [dose_volume_histogram(dose, mask, density=density)
            for mask in (regions.liver, regions.lungs, *regions.tumours) if mask is not None]
    ct = load_ct_on_grid(ct_of["ho166_treatment"], dose)
    z = _hottest_slice(np.asarray(dose.array, float), regions.tumours)
    spacing = dose.spacing_mm
    slices = [FusedSlice("Post-treatment dose on CT", np.asarray(ct.array, float)[z],
                         np.asarray(dose.array, float)[z], (spacing[1], spacing[2]))]
    scout = load_activity(folder / "recon" / "scout" / "recon_bq_per_ml.nii.gz")
    scout_ct = load_ct_on_grid(ct_of["ho166_scout"], scout)
    zs = min(z, scout.shape[0] - 1)
    slices.append(FusedSlice("Scout 166Ho SPECT on CT", np.asarray(scout_ct.array, float)[zs],
                             np.asarray(scout.array, float)[zs] / BQ_PER_KBQ,
                             (scout.spacing_mm[1], scout.spacing_mm[2]), overlay_label="kBq/mL"))
    report = PatientDosimetryReport(
        patient_id=patient_id, protocol_label=str(plan.get("protocol", "registry")),
        scout=scout_analysis_from_plan(plan), dvhs=dvhs, slices=slices,
        administered_activity_mbq=float(given["ho166_treatment"]["activity_mbq"]),
        treatment_date=treatment_date,
        notes=("Virtual patient (hepar.phantoms): plan from hepar recon of the simulated scout, "
               "dose from hepar recon of the simulated post-treatment SPECT (local deposition).",))
    return write_patient_dosimetry_report(report, out_dir, provenance)

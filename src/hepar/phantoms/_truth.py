"""The ground truth of a virtual patient as JSON-ready data (``truth.json``; README, ``hepar
phantom``).

What the simulator put into the patient: anatomy, lesions, administrations with the planning rule
the treatment activity was drawn with (:func:`planned_treatment_activity_mbq`: the prescribed
mean dose, soft-tissue density and 166Ho absorbed energy per MBq, by name), scans and true doses.
No file paths: the use case that writes the patient folder adds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepar import __version__
from hepar.imaging import Mask, mask_mass_g
from hepar.physics import G_PER_KG, SOFT_TISSUE_DENSITY_G_PER_ML, nuclide

from ._dose import LOCAL_DEPOSITION_METHOD
from ._ho166 import HO166_PRESCRIBED_DOSE_GY
from ._patient import VirtualPatient
from ._tissues import STRUCTURE_PROPERTIES, Structure

__all__ = ["TRUTH_FORMAT", "TRUTH_VERSION", "patient_truth"]

#: ``format`` and ``version`` keys of ``truth.json``.
TRUTH_FORMAT = "hepar-phantom-truth"
TRUTH_VERSION = 1


def _iso(moment: Any) -> str:
    return str(moment.isoformat())


def _planning_rule(treated_mass_g: float) -> dict[str, Any]:
    """The rule the treatment activity was planned with (the values of
    :func:`planned_treatment_activity_mbq`)."""
    dose_gy = HO166_PRESCRIBED_DOSE_GY
    energy_mj_per_mbq = nuclide("Ho-166").absorbed_energy_mj_per_mbq
    per_kg = dose_gy * G_PER_KG / energy_mj_per_mbq  # Gy = mJ/g: MBq per kg of treated liver
    return {
        "prescribed_mean_dose_gy": dose_gy, "treated_liver_mass_g": round(treated_mass_g, 2),
        "density_g_per_ml": SOFT_TISSUE_DENSITY_G_PER_ML,
        "absorbed_energy_mj_per_mbq": energy_mj_per_mbq,
        "rule": f"A = {dose_gy:g} Gy x treated liver mass / {energy_mj_per_mbq:g} mJ/MBq "
                f"(liver weight x {per_kg:.0f} MBq/kg)",
    }


def patient_truth(patient: VirtualPatient) -> dict[str, Any]:
    """The JSON-ready ground truth of a patient, without file paths."""
    anatomy, labels = patient.anatomy, patient.labels
    grid = labels.grid
    voxel_ml = grid.voxel_volume_ml
    masks = {m.name: m for m in anatomy.masks(labels)}
    density = labels.property_map("density_g_per_ml")

    def volume_ml(name: str) -> float:
        return round(masks[name].volume_ml, 3) if name in masks else 0.0

    treated = anatomy.treated_mask(labels)
    lungs = labels.structure == Structure.LUNG
    treated_mass_g = float(mask_mass_g(Mask.on_grid_of("treated", grid, treated),
                                       SOFT_TISSUE_DENSITY_G_PER_ML))
    dose = patient.dose_gy
    lesions = []
    for lesion in anatomy.lesions:
        region = labels.lesion == lesion.number
        lesions.append({
            "number": lesion.number, "name": lesion.name,
            "centre_lps_mm": [round(v, 3) for v in lesion.centre_mm],
            "diameter_mm": lesion.diameter_mm,
            "volume_ml": round(float(region.sum()) * voxel_ml, 3),
            "necrotic_core_ratio": round(lesion.necrotic_core_ratio, 4),
            "lobe": lesion.lobe, "in_treated_territory": lesion.treated,
            "tnr_scout": round(patient.scout.tnr.get(lesion.number, 0.0), 4),
            "tnr_treatment": round(patient.treatment.tnr.get(lesion.number, 0.0), 4),
            "mean_dose_ho166_treatment_gy": round(
                float(dose["ho166_treatment"][region].mean()) if region.any() else 0.0, 3),
            "mean_dose_lu177_gy": round(
                float(dose["lu177_cycles_1_4"][region].mean()) if region.any() else 0.0, 3),
        })
    administrations: list[dict[str, Any]] = [
        {"name": f"lu177_cycle{k + 1}", "nuclide": "Lu-177", "time": _iso(t),
         "activity_mbq": a}
        for k, (t, a) in enumerate(zip(patient.lu177.cycle_times,
                                       patient.lu177.cycle_activities_mbq, strict=True))
    ]
    for dist, when in ((patient.scout, patient.scout_time),
                       (patient.treatment, patient.treatment_time)):
        administrations.append({
            "name": f"ho166_{dist.name}", "nuclide": "Ho-166", "time": _iso(when),
            "activity_mbq": round(dist.administered_mbq, 3),
            "lung_shunt_fraction": round(dist.lung_shunt_fraction, 5),
            "extrahepatic_fraction": round(dist.extrahepatic_fraction, 5),
            "extrahepatic_centre_lps_mm": [round(v, 2) for v in dist.extrahepatic_centre_mm]
            if dist.extrahepatic_fraction > 0 else None,
            "extrahepatic_radius_mm": dist.extrahepatic_radius_mm
            if dist.extrahepatic_fraction > 0 else None,
            "extrahepatic_site": (dist.extrahepatic_site or None)
            if dist.extrahepatic_fraction > 0 else None,
        })
    administrations[-1]["planning"] = _planning_rule(treated_mass_g)
    scans = []
    for scan in patient.scans:
        acq = scan.acquisition
        proj = acq.projections
        scans.append({
            "name": scan.name, "isotope": scan.isotope, "session": scan.session.name,
            "acquisition_start": _iso(scan.acquisition_start),
            "activity_in_fov_mbq": scan.activity_in_fov_mbq,
            "activity_in_fov_by_nuclide_mbq": dict(acq.activity_in_fov_mbq),
            "frame_of_reference_uid": scan.session.frame_of_reference_uid,
            "n_views": proj.n_views, "frame_duration_s": proj.frame_duration_s,
            "detector_matrix": list(proj.detector_shape),
            "pixel_spacing_mm": list(proj.pixel_spacing_mm),
            "windows": [{"name": w.name, "lower_kev": round(w.lower_kev, 3),
                         "upper_kev": round(w.upper_kev, 3)} for w in proj.windows],
            "radius_mm": [round(float(r), 2) for r in np.asarray(proj.radius_mm)],
            "dead_time_fraction_kept": [round(float(k), 5) for k in acq.dead_time_kept],
            "expected_counts_by_component": {k: [round(v, 1) for v in values]
                                             for k, values in acq.window_totals.items()},
            "total_counts": [int(c) for c in proj.total_counts()],
            "model": acq.model,
        })
    organ_volumes = {name: volume_ml(name) for name in masks}
    return {
        "format": TRUTH_FORMAT, "version": TRUTH_VERSION, "generator": f"hepar {__version__}",
        "seed": patient.seed, "preset": patient.preset.name.value,
        "patient_id": patient.patient_id, "weight_kg": patient.weight_kg,
        "grid": {"shape": list(grid.shape), "spacing_mm": list(grid.spacing_mm),
                 "affine_index_to_lps_mm": np.round(grid.affine, 6).tolist(),
                 "note": "simulation (truth) grid; the SPECT rotation axis is its "
                         "in-plane centre, the detector's axial centre its axial centre"},
        "anatomy": {
            "body_semi_axes_mm": list(anatomy.body_semi_axes_mm),
            "treated_territory": anatomy.territory.label,
            "organ_volumes_ml": organ_volumes,
            "treated_liver_volume_ml": round(float(treated.sum()) * voxel_ml, 3),
            "tissues": {s.name.lower(): {"hu": p.hu, "density_g_per_ml": p.density_g_per_ml,
                                         "composition": p.composition.source}
                        for s, p in STRUCTURE_PROPERTIES.items()},
            "lesions": lesions,
        },
        "administrations": administrations,
        "lu177_kinetics": [
            {"compartment": c.name, "uptake": list(c.uptake),
             "uptake_unit": "fraction of injected activity per mL" if c.per_ml
             else "fraction of injected activity",
             "effective_half_life_h": [round(h, 3) for h in c.effective_half_life_h]}
            for c in patient.lu177.compartments
        ],
        "scans": scans,
        "dose": {
            "method": LOCAL_DEPOSITION_METHOD,
            "mean_treated_liver_gy": {
                name: round(float(values[treated].mean()), 4) for name, values in dose.items()},
            "mean_lungs_gy": {
                name: round(float(values[lungs].mean()), 4) if lungs.any() else 0.0
                for name, values in dose.items()},
            "treated_liver_mass_g": round(float((density * treated).sum() * voxel_ml), 2),
        },
    }

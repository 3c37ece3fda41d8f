"""Use case: absorbed-dose maps and tables from quantitative SPECT (``hepar dose``).

166Ho (microspheres, permanent): one post-treatment SPECT, physical decay from administration.
177Lu: several SPECTs with their times (voxel time–activity fits, fall-back trapezoid + physical
tail) or one SPECT (single-time-point method of Hänscheid et al. 2018, or an assumed effective
half-life). Dose by local deposition (default, EANM SOP) or voxel-kernel convolution. Density from
the CT when one is given, else from the regions: lungs at the inflated-lung density (0.26 g/mL, the
value the planning uses), everything else at the protocol's tissue density. The protocol file also
gives the absorbed energy per MBq of its nuclide (166Ho:
``prescription.absorbed_energy_mj_per_mbq``), so a site that edits its file changes ``plan`` and
``dose`` alike. Regions are classified by :func:`hepar.dosimetry.resolve_regions`, as in
``hepar plan``. Outputs through :mod:`hepar.services._dose_outputs`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hepar.clinical import Protocol, check_activity
from hepar.dosimetry import (
    LUNG_DENSITY_G_PER_ML,
    Regions,
    TacModel,
    activity_in_mbq,
    density_from_ct,
    density_from_regions,
    dose_report,
    energy_per_decay_mev,
    fit_time_activity,
    fit_voxel_time_activity,
    kernel_convolution_dose,
    local_deposition_dose,
    permanent_implant_tia,
    region_mean_density_g_per_ml,
    single_time_point_tia_mbq_h,
    voxel_kernel,
)
from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.io import check_output_folder, load_protocol
from hepar.physics import S_PER_H, canonical_nuclide_name, decay_factor_over_h, nuclide

from ._dose_biodistribution import biodistribution_naming_option
from ._dose_checks import check_dose_options
from ._dose_combined import combine_with_previous, read_summary
from ._dose_inputs import ct_on_grid, load_activity, load_ct_on_grid, load_regions
from ._dose_outputs import dvh_rows, write_outputs

__all__ = ["DOSE_STEPS", "DoseResult", "compute_dose", "dose_from_images"]

#: Steps reported to ``progress`` (the CLI's progress bar).
DOSE_STEPS = (
    "read images", "time-integrated activity", "absorbed dose", "DVH and tables", "write outputs",
)
#: Nuclides treated as permanent implants (physical decay only).
_PERMANENT_IMPLANTS = ("Ho-166",)
#: Reference administration time for a scan given as hours after administration (only the
#: difference of the two times enters the time-integrated activity).
_ADMINISTRATION = datetime(2000, 1, 1, tzinfo=UTC)


def _tia(
    maps: Sequence[Volume], times_h: Sequence[float], name: str, *, tac_model: str,
    effective_half_life_h: float | None, assumptions: list[str],
) -> tuple[Volume, dict[str, Any]]:
    """Time-integrated activity; what it had to assume is appended to ``assumptions``."""
    half_life = nuclide(name).half_life_h
    if name in _PERMANENT_IMPLANTS:
        if len(maps) != 1:
            raise InvalidValueError(
                field="spect", value=f"{len(maps)} images",
                expected=f"one post-treatment SPECT for {name} (permanent implant)",
            )
        if len(times_h) > 1:
            raise InvalidValueError(
                field="time_h", value=list(times_h),
                expected=f"one time, that of the one {name} SPECT (h after administration)",
            )
        delay = times_h[0] if times_h else 0.0
        if not times_h:
            assumptions.append(
                f"no --time-h: the {name} SPECT is taken as acquired at the administration (0 h); "
                "for a later scan the dose is too low by the decay since (give --time-h)"
            )
        if not (math.isfinite(delay) and delay >= 0):
            raise InvalidValueError(field="time_h", value=delay, expected="a time >= 0 h")
        tia = permanent_implant_tia(
            maps[0], half_life_h=half_life, administration_time=_ADMINISTRATION,
            scan_time=_ADMINISTRATION + timedelta(hours=delay),
        )
        return tia, {
            "tia_method": "permanent implant, physical decay only",
            "scan_time_h": delay,
            "effective_half_life_h": half_life,
        }
    if len(times_h) != len(maps):
        raise InvalidValueError(
            field="time_h", value=list(times_h),
            expected=f"one time (h after administration) per SPECT ({len(maps)})",
        )
    if len(maps) == 1:
        tia_mbq_h = single_time_point_tia_mbq_h(
            np.asarray(maps[0].array, dtype=float), times_h[0],
            effective_half_life_h=effective_half_life_h,
        )
        method = ("single time point, Hänscheid et al. J Nucl Med 2018;59:75"
                  if effective_half_life_h is None else
                  f"single time point, assumed effective half-life {effective_half_life_h} h")
        return maps[0].with_array(tia_mbq_h * S_PER_H, VolumeUnit.BQ_S_PER_ML), {
            "tia_method": method,
            # Hänscheid's approximation is exact for an effective half-life equal to the time
            "effective_half_life_h": effective_half_life_h or times_h[0],
        }
    result = fit_voxel_time_activity(maps, times_h, half_life_h=half_life, model=tac_model)
    return result.tia, {
        "tia_method": f"voxel time-activity fit ({TacModel(tac_model).value})",
        "fallback_fraction": result.fallback_fraction,
    }


def _voi_fits(
    maps: Sequence[Volume], times_h: Sequence[float], regions: Sequence[Mask], name: str,
    tac_model: str,
) -> list[dict[str, Any]]:
    """Time–activity fit of each VOI's total activity (MBq), with its uncertainty."""
    half_life = nuclide(name).half_life_h
    rows = []
    for region in regions:
        activity = [activity_in_mbq(m, region.fraction) for m in maps]
        fit = fit_time_activity(times_h, activity, half_life_h=half_life, model=tac_model)
        rows.append({
            "voi": region.name,
            "model": fit.model.value,
            "parameters": list(fit.parameters),
            "tia_mbq_h": fit.tia_mbq_h,
            "tia_sd_mbq_h": fit.tia_sd_mbq_h,
            "effective_half_life_h": fit.effective_half_life_h,
            "fallback_reason": fit.fallback_reason,
        })
    return rows


def _absorbed_energy(name: str, study: Protocol) -> tuple[float, str]:
    """Absorbed energy per MBq fully decayed, and its source: the protocol's prescription for its
    nuclide (166Ho), else the nuclide's own value (177Lu: ICRP 107 electrons, first principles)."""
    prescription = study.prescription
    if canonical_nuclide_name(prescription.nuclide) == name:
        return prescription.absorbed_energy_mj_per_mbq, (
            f"protocol {study.label}, prescription.absorbed_energy_mj_per_mbq"
        )
    data = nuclide(name)
    return data.absorbed_energy_mj_per_mbq, data.absorbed_energy_source


def _density(
    reference: Volume, ct: Volume | None, lungs: Mask | None, tissue_g_per_ml: float
) -> tuple[Volume, str]:
    """The density map and how it was made."""
    if ct is not None:
        return density_from_ct(ct_on_grid(ct, reference)), "CT (bilinear HU to density)"
    density = density_from_regions(reference, lungs=lungs, tissue_density_g_per_ml=tissue_g_per_ml)
    tissue = f"{tissue_g_per_ml:g} g/mL (protocol tissue density)"
    if lungs is None:
        return density, f"uniform {tissue}"
    return density, (
        f"regions: lungs {LUNG_DENSITY_G_PER_ML:g} g/mL (inflated lung), elsewhere {tissue}"
    )


def _region_densities(regions: Sequence[Mask | None], density: Volume) -> dict[str, float]:
    """Mean density (mass / volume, g/mL) of each region."""
    return {
        region.name: region_mean_density_g_per_ml(region, density)
        for region in regions if region is not None and region.fraction.sum() > 0
    }


@dataclass(frozen=True)
class DoseResult:
    """What a dose calculation produced, before anything is written.

    ``summary`` is the ``hepar dose --json`` summary without ``files``; ``tables`` the CSV tables
    by role (``dvh``, ``voi_metrics``, ``lesions``, ``biodistribution``, ``combined``);
    ``dose_comment`` the RT Dose comment.
    """

    dose: Volume
    summary: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]
    dose_comment: str


def compute_dose(
    *,
    spect: Sequence[str | Path],
    out: str | Path,
    times_h: Sequence[float] = (),
    nuclide_name: str = "Ho-166",
    method: str = "local",
    liver_mask: str | Path | None = None,
    lung_mask: str | Path | None = None,
    tumour_masks: Sequence[str | Path] = (),
    body_mask: str | Path | None = None,
    structures: str | Path | None = None,
    ct: str | Path | None = None,
    tac_model: str = "auto",
    effective_half_life_h: float | None = None,
    administered_activity_mbq: float | None = None,
    combine_with: Sequence[str | Path] = (),
    protocol: str | Path = "registry",
    progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
    unit: str | None = None,
    frame_of_reference_uid: str | None = None,
    like: str | Path | None = None,
) -> dict[str, Any]:
    """File edge of ``hepar dose``: read the images, regions, CT, protocol and earlier summaries
    through :mod:`hepar.io`, compute with :func:`dose_from_images`, and write to ``out``.

    Writes ``dose_rtdose.dcm`` (RT Dose, on the frame of reference of the SPECT/CT),
    ``dose_gy.nii.gz``, ``summary.json`` and, where there are regions, ``dvh.csv``,
    ``voi_metrics.csv``, ``lesions.csv`` and ``biodistribution.csv``. Returns the summary (also
    written as JSON): ``nuclide``, ``method``, ``tia_method``, ``protocol``,
    ``absorbed_energy_mj_per_mbq``, ``energy_per_decay_mev``, ``absorbed_energy_source``,
    ``density``, ``tissue_density_g_per_ml``, ``region_density_g_per_ml`` (mean density of each
    region, g/mL), ``kernel``,
    ``voi_metrics``, ``lesions``, ``tumour_to_non_tumour``, ``biodistribution``,
    ``voi_time_activity`` (177Lu with several time points: per VOI ``model``, ``parameters``,
    ``tia_mbq_h``, ``tia_sd_mbq_h``, ``effective_half_life_h``, ``fallback_reason``),
    ``voi_effective_half_life_h``, ``combined`` (with ``combine_with``: per VOI the deliveries,
    ``total_dose_gy``, ``total_bed_gy``, α/β and repair half-time used), ``max_dose_gy``,
    ``files``.

    Every option and ``out`` (:func:`hepar.io.check_output_folder`: an existing folder only with
    ``overwrite``, which replaces it whole) are checked before any image is read. ``unit``,
    ``frame_of_reference_uid`` and ``like`` (a CT folder whose frame is taken) apply to NIfTI
    SPECT files that do not store them (:func:`~hepar.services._dose_inputs.load_activity`).
    """
    step = progress or (lambda _name: None)
    name = check_dose_options(
        nuclide_name=nuclide_name, method=method, spect=spect, times_h=times_h,
        tac_model=tac_model, effective_half_life_h=effective_half_life_h,
        administered_activity_mbq=administered_activity_mbq,
    )
    check_output_folder(out, overwrite=overwrite)
    previous = [read_summary(path) for path in combine_with]
    study = load_protocol(protocol)
    if administered_activity_mbq is not None:
        check_activity(study.plausibility, administered_activity_mbq,
                       field="administered_activity_mbq", protocol=study.name)
    step(DOSE_STEPS[0])
    maps = [load_activity(path, frame_of_reference_uid=frame_of_reference_uid, unit=unit,
                          like=like) for path in spect]
    regions = load_regions(
        maps[0], structures=structures, liver_mask=liver_mask, lung_mask=lung_mask,
        body_mask=body_mask, tumour_masks=tumour_masks,
    )
    result = dose_from_images(
        maps, regions, times_h=times_h, protocol=study,
        ct=load_ct_on_grid(ct, maps[0]) if ct is not None else None, nuclide_name=name,
        method=method, tac_model=tac_model, effective_half_life_h=effective_half_life_h,
        administered_activity_mbq=administered_activity_mbq, previous=previous, progress=step,
    )
    step(DOSE_STEPS[4])
    summary = result.summary
    summary["files"] = write_outputs(out, dose=result.dose, summary=summary, tables=result.tables,
                                     dose_comment=result.dose_comment, overwrite=overwrite)
    return summary


def dose_from_images(
    maps: Sequence[Volume],
    regions: Regions,
    *,
    protocol: Protocol,
    times_h: Sequence[float] = (),
    ct: Volume | None = None,
    nuclide_name: str = "Ho-166",
    method: str = "local",
    tac_model: str = "auto",
    effective_half_life_h: float | None = None,
    administered_activity_mbq: float | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    progress: Callable[[str], None] | None = None,
) -> DoseResult:
    """Absorbed-dose map and tables from activity maps (Bq/mL) and their regions, on records.

    ``regions`` from :func:`hepar.dosimetry.resolve_regions`; ``ct`` in HU (any grid) for the
    density; ``previous`` earlier ``hepar dose`` summaries to combine with (``_source`` naming
    each). Returns the :class:`DoseResult`; the summary keys are those of :func:`compute_dose`
    but ``files``.
    """
    step = progress or (lambda _name: None)
    name = check_dose_options(
        nuclide_name=nuclide_name, method=method, spect=maps, times_h=times_h,
        tac_model=tac_model, effective_half_life_h=effective_half_life_h,
        administered_activity_mbq=administered_activity_mbq,
    )
    study = protocol
    tissue_g_per_ml = study.prescription.tissue_density_g_per_ml
    absorbed_mj_per_mbq, absorbed_source = _absorbed_energy(name, study)
    reference = maps[0]
    liver, lungs, body = regions.liver, regions.lungs, regions.body
    tumours = list(regions.tumours)
    density, density_method = _density(reference, ct, lungs, tissue_g_per_ml)
    step(DOSE_STEPS[1])
    assumptions: list[str] = []
    tia, tia_info = _tia(maps, times_h, name, tac_model=tac_model,
                         effective_half_life_h=effective_half_life_h, assumptions=assumptions)
    step(DOSE_STEPS[2])
    data = nuclide(name)
    energy = energy_per_decay_mev(absorbed_mj_per_mbq, data.half_life_h)
    kernel_info = None
    if method == "local":
        dose = local_deposition_dose(tia, energy_per_decay_mev=energy, density=density)
        comment = f"{name} local deposition (EANM SOP)"
    else:
        # all electrons (beta, conversion, Auger): the kernel whose shape carries every electron
        # of the energy per decay; validated against Lanconelli 2012 + the conversion electrons
        kernel = voxel_kernel(name, reference.spacing_mm, density_g_per_ml=tissue_g_per_ml,
                              emissions="all", energy_per_decay_mev=energy)
        dose = kernel_convolution_dose(tia, kernel, density=density)
        kernel_info = {"shape": list(kernel.energy_fraction.shape), "source": kernel.source,
                       "emissions": kernel.emissions.value, "validation": kernel.validation}
        comment = f"{name} voxel-kernel convolution"
    step(DOSE_STEPS[3])
    summary: dict[str, Any] = {
        "nuclide": name,
        "method": method,
        **tia_info,
        "protocol": study.label,
        "absorbed_energy_mj_per_mbq": absorbed_mj_per_mbq,
        "energy_per_decay_mev": energy,
        "absorbed_energy_source": absorbed_source,
        "density": density_method,
        "tissue_density_g_per_ml": tissue_g_per_ml,
        "region_density_g_per_ml": _region_densities([liver, lungs, *tumours, body], density),
        "kernel": kernel_info,
        "assumptions": assumptions,
        "frame_of_reference_uid": dose.frame_of_reference_uid,
        "max_dose_gy": float(np.max(dose.array)),
        "voi_metrics": [], "lesions": [], "tumour_to_non_tumour": None, "biodistribution": [],
        "voi_time_activity": [], "voi_effective_half_life_h": {}, "combined": [],
    }
    tables: dict[str, list[dict[str, Any]]] = {}
    if liver is not None:
        others = [m for m in (lungs,) if m is not None]
        report = dose_report(dose, liver=liver, tumours=tumours, others=others, density=density)
        summary["voi_metrics"] = report.summary()
        summary["lesions"] = list(report.lesions)
        summary["tumour_to_non_tumour"] = report.tumour_to_non_tumour
        tables["dvh"] = dvh_rows(report.dvhs)
        tables["voi_metrics"] = summary["voi_metrics"]
        tables["lesions"] = summary["lesions"]
        default_half_life = tia_info.get("effective_half_life_h")
        half_lives = {row["name"]: default_half_life for row in summary["voi_metrics"]}
        if len(maps) >= 2:
            fitted = [liver, *tumours, *([lungs] if lungs is not None else [])]
            summary["voi_time_activity"] = _voi_fits(maps, times_h, fitted, name, tac_model)
            half_lives.update({
                row["voi"]: row["effective_half_life_h"] or data.half_life_h
                for row in summary["voi_time_activity"]
            })
            half_lives["non-tumour liver"] = half_lives["liver"]
        summary["voi_effective_half_life_h"] = {
            k: v for k, v in half_lives.items() if v is not None
        }
        if previous:
            summary["combined"] = combine_with_previous(
                summary, previous, tumours=[t.name for t in tumours]
            )
            tables["combined"] = [
                {"voi": row["voi"], "total_dose_gy": row["total_dose_gy"],
                 "total_bed_gy": row["total_bed_gy"], "alpha_beta_gy": row["alpha_beta_gy"],
                 "repair_half_time_h": row["repair_half_time_h"],
                 "components": "; ".join(f"{c['label']} {c['dose_gy']:.3g} Gy"
                                         for c in row["components"])}
                for row in summary["combined"]
            ]
        if administered_activity_mbq is not None:
            rows = []
            scan_times = list(times_h) if times_h else [0.0]
            for i, (activity, time_h) in enumerate(zip(maps, scan_times, strict=False)):
                remaining = administered_activity_mbq * float(
                    decay_factor_over_h(time_h, data.half_life_h))
                rows += [r.to_dict() for r in biodistribution_naming_option(
                    activity, scan=f"scan {i + 1} ({time_h:g} h)",
                    administered_mbq=administered_activity_mbq, at_scan_mbq=remaining,
                    option="administered_activity_mbq", liver=liver, tumours=tumours,
                    lungs=lungs, body=body,
                )]
            summary["biodistribution"] = rows
            tables["biodistribution"] = rows
    return DoseResult(dose, summary, tables, comment)

"""Use case: plan a 166Ho treatment (``hepar plan``).

Limits and the prescription come from the protocol file through :mod:`hepar.clinical`; the
dosimetry receives them as a typed :class:`hepar.dosimetry.PlanningLimits`, the extrahepatic
deposition search settings included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from hepar.clinical import (
    Protocol,
    check_activity,
    check_calibration_interval,
    check_treated_mass,
)
from hepar.dosimetry import (
    PlanningLimits,
    Regions,
    analyse_scout,
    density_from_ct,
    plan_activity,
    region_mass_g,
    split_activity_by_mass,
)
from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume
from hepar.io import load_protocol
from hepar.physics import (
    G_PER_KG,
    activity_for_mean_dose_mbq,
    decay_factor,
    decay_factor_over_h,
    mean_dose_gy,
    nuclide,
)

from ._dose_biodistribution import biodistribution_naming_option
from ._dose_inputs import ct_on_grid, load_activity, load_ct_on_grid, load_region, load_regions

__all__ = ["image_plan", "plan_from_images", "planning_limits_from_protocol", "quick_plan"]


def planning_limits_from_protocol(protocol: Protocol) -> PlanningLimits:
    """The dosimetry's typed limits filled from the protocol's ``planning_limits``."""
    limits = protocol.planning_limits
    return PlanningLimits(
        lung_dose_max_gy=limits.lung_dose_max_gy,
        liver_mean_dose_max_gy=limits.liver_mean_dose_max_gy,
        tumour_dose_ideal_min_gy=limits.tumour_dose_ideal_min_gy,
        lung_mass_default_kg=limits.lung_mass_default_kg,
        extrahepatic_threshold_fraction=limits.extrahepatic_threshold_fraction,
        extrahepatic_min_activity_fraction=limits.extrahepatic_min_activity_fraction,
        extrahepatic_liver_margin_mm=limits.extrahepatic_liver_margin_mm,
        extrahepatic_fraction_max=limits.extrahepatic_fraction_max,
    )


def _timing(
    activity_mbq: float, calibration_time: datetime | None, administration_time: datetime | None
) -> dict[str, Any]:
    """Activity to prepare at the calibration time so that the planned activity is there at the
    administration (physical decay of 166Ho)."""
    if calibration_time is None or administration_time is None:
        return {}
    factor = decay_factor(calibration_time, administration_time, nuclide("Ho-166").half_life_h)
    return {
        "calibration_time": calibration_time.isoformat(),
        "administration_time": administration_time.isoformat(),
        "activity_at_calibration_mbq": activity_mbq / factor,
        "activity_at_administration_mbq": activity_mbq,
    }


def _check_times(
    study: Protocol, calibration_time: datetime | None, administration_time: datetime | None
) -> None:
    """Both times or neither, in order, within the protocol's plausibility setting."""
    if (calibration_time is None) != (administration_time is None):
        given, missing = (("calibration_time", "administration_time") if administration_time is None
                          else ("administration_time", "calibration_time"))
        raise InvalidValueError(
            field=missing, value=None,
            expected=f"--{missing.replace('_', '-')} together with --{given.replace('_', '-')} "
            "(the activity to prepare needs both times)",
        )
    if calibration_time is not None and administration_time is not None:
        check_calibration_interval(study.plausibility, calibration_time, administration_time,
                                   protocol=study.name)


def _require(name: str, value: float | None, *, low: float, strict: bool, unit: str) -> None:
    """Refuse a value the user typed under option ``name`` when it is below ``low``."""
    if value is None:
        return
    ok = math.isfinite(value) and (value > low if strict else value >= low)
    if not ok:
        raise InvalidValueError(
            field=name, value=value, expected=f"a number {'>' if strict else '>='} {low:g} {unit}"
        )


def _injection_positions(
    territories: Mapping[str, Mask],
    density: Volume | float,
    activity_mbq: float,
    absorbed_energy_mj_per_mbq: float,
) -> list[dict[str, Any]]:
    """Split the planned activity over the injection positions in proportion to the mass each
    perfuses (:func:`hepar.dosimetry.split_activity_by_mass`): every territory gets the same
    mean dose."""
    if not territories:
        return []
    masses: dict[str, float] = {}
    for name, territory in territories.items():
        mass_kg = region_mass_g(territory, density) / G_PER_KG
        if not mass_kg > 0:
            raise InvalidValueError(
                field="injection", value=name,
                expected="a perfused-territory mask with at least one voxel on the scout grid",
            )
        masses[name] = mass_kg
    split = split_activity_by_mass(activity_mbq, masses)
    return [
        {"name": name, "mass_kg": masses[name], "activity_mbq": split[name],
         "mean_dose_gy": mean_dose_gy(split[name], masses[name], absorbed_energy_mj_per_mbq)}
        for name in masses
    ]


def _load_territories(
    injections: Sequence[tuple[str, str | Path]], scout: Volume
) -> dict[str, Mask]:
    """The perfused territory of each injection position, on the scout grid."""
    territories: dict[str, Mask] = {}
    for name, path in injections:
        if not name or name in territories:
            raise InvalidValueError(
                field="injection", value=name,
                expected="a distinct, non-empty name for each injection position",
            )
        territories[name] = load_region(path, scout, name=name)
    return territories


def _context(protocol: Protocol, limits: PlanningLimits) -> dict[str, Any]:
    return {"protocol": protocol.label, "limits": asdict(limits)}


def quick_plan(
    treated_mass_kg: float,
    *,
    target_dose_gy: float | None = None,
    lung_shunt_fraction: float | None = None,
    lung_mass_kg: float | None = None,
    protocol: str | Path = "registry",
    calibration_time: datetime | None = None,
    administration_time: datetime | None = None,
) -> dict[str, Any]:
    """Plan from a treated-liver mass alone (``hepar plan --treated-mass-kg``).

    Keys (the ``--json`` contract): ``activity_mbq``, ``lung_dose_gy``, ``within_limits``,
    ``failed_limits`` (list of ``name``, ``value``, ``limit``, ``passed``), ``checks``,
    ``treated_mass_kg``, ``target_dose_gy``, ``absorbed_energy_mj_per_mbq``,
    ``lung_shunt_fraction``, ``lung_mass_kg``, ``liver_mean_dose_gy``, ``protocol``, ``limits``,
    and with both times ``activity_at_calibration_mbq`` and ``activity_at_administration_mbq``.
    """
    _require("target_dose_gy", target_dose_gy, low=0.0, strict=True, unit="Gy")
    _require("lung_mass_kg", lung_mass_kg, low=0.0, strict=True, unit="kg")
    study = load_protocol(protocol)
    check_treated_mass(study.plausibility, treated_mass_kg, protocol=study.name)
    _check_times(study, calibration_time, administration_time)
    limits = planning_limits_from_protocol(study)
    prescription = study.prescription
    plan = plan_activity(
        treated_mass_kg,
        target_dose_gy=prescription.mean_dose_treated_liver_gy if target_dose_gy is None
        else target_dose_gy,
        lung_shunt_fraction=0.0 if lung_shunt_fraction is None else lung_shunt_fraction,
        lung_mass_kg=lung_mass_kg,
        absorbed_energy_mj_per_mbq=prescription.absorbed_energy_mj_per_mbq,
        limits=limits,
    )
    return {
        **plan.to_dict(),
        **_timing(plan.activity_mbq, calibration_time, administration_time),
        **_context(study, limits),
    }


def image_plan(
    *,
    spect: str | Path,
    liver_mask: str | Path | None = None,
    lung_mask: str | Path | None = None,
    tumour_masks: Sequence[str | Path] = (),
    structures: str | Path | None = None,
    ct: str | Path | None = None,
    target_dose_gy: float | None = None,
    lung_shunt_fraction: float | None = None,
    lung_mass_kg: float | None = None,
    protocol: str | Path = "registry",
    calibration_time: datetime | None = None,
    administration_time: datetime | None = None,
    scout_activity_mbq: float | None = None,
    scout_time_h: float | None = None,
    injections: Sequence[tuple[str, str | Path]] = (),
    unit: str | None = None,
    frame_of_reference_uid: str | None = None,
    like: str | Path | None = None,
) -> dict[str, Any]:
    """File edge of ``hepar plan --spect``: read the scout SPECT, the regions, the CT and the
    injection territories through :mod:`hepar.io`, then :func:`plan_from_images`.

    ``injections`` are pairs of a position's name and its perfused-territory mask file. Keys as
    :func:`plan_from_images`.
    """
    _check_options(target_dose_gy, scout_activity_mbq, scout_time_h, lung_mass_kg)
    study = load_protocol(protocol)
    _check_times(study, calibration_time, administration_time)
    if scout_activity_mbq is not None:
        check_activity(study.plausibility, scout_activity_mbq, field="scout_activity_mbq",
                       protocol=study.name)
    scout = load_activity(spect, frame_of_reference_uid=frame_of_reference_uid, unit=unit,
                          like=like)
    regions = load_regions(
        scout, structures=structures, liver_mask=liver_mask, lung_mask=lung_mask,
        tumour_masks=tumour_masks,
    )
    _check_regions(regions, lung_shunt_fraction)
    ct_volume = load_ct_on_grid(ct, scout) if ct is not None else None
    territories = _load_territories(injections, scout)
    try:
        return plan_from_images(
            scout, regions, protocol=study, ct=ct_volume, target_dose_gy=target_dose_gy,
            lung_shunt_fraction=lung_shunt_fraction, lung_mass_kg=lung_mass_kg,
            calibration_time=calibration_time, administration_time=administration_time,
            scout_activity_mbq=scout_activity_mbq, scout_time_h=scout_time_h,
            territories=territories,
        )
    except InvalidValueError as error:
        paths = dict(injections)
        if error.field != "injection" or error.value not in paths:
            raise
        raise InvalidValueError(
            field="injection", value=f"{error.value}={paths[error.value]}",
            expected=error.expected,
        ) from None


def _check_options(
    target_dose_gy: float | None, scout_activity_mbq: float | None, scout_time_h: float | None,
    lung_mass_kg: float | None,
) -> None:
    _require("target_dose_gy", target_dose_gy, low=0.0, strict=True, unit="Gy")
    _require("scout_activity_mbq", scout_activity_mbq, low=0.0, strict=True, unit="MBq")
    _require("scout_time_h", scout_time_h, low=0.0, strict=False, unit="h")
    _require("lung_mass_kg", lung_mass_kg, low=0.0, strict=True, unit="kg")


def _check_regions(regions: Regions, lung_shunt_fraction: float | None) -> None:
    if regions.liver is None:
        raise InvalidValueError(
            field="liver_mask", value=None,
            expected="a --liver-mask file or a region named 'liver' in --structures",
        )
    if regions.lungs is None and lung_shunt_fraction is None:
        raise InvalidValueError(
            field="lung_mask", value=None,
            expected="a --lung-mask (or a region named 'lungs' in --structures) to measure the "
            "lung shunt on the scout, or the lung shunt fraction itself (--lsf)",
        )


def plan_from_images(
    scout: Volume,
    regions: Regions,
    *,
    protocol: Protocol,
    ct: Volume | None = None,
    target_dose_gy: float | None = None,
    lung_shunt_fraction: float | None = None,
    lung_mass_kg: float | None = None,
    calibration_time: datetime | None = None,
    administration_time: datetime | None = None,
    scout_activity_mbq: float | None = None,
    scout_time_h: float | None = None,
    territories: Mapping[str, Mask] | None = None,
) -> dict[str, Any]:
    """Plan from a scout SPECT (Bq/mL) and its regions (``hepar plan --spect``), on records.

    ``regions`` come from :func:`hepar.dosimetry.resolve_regions` (a liver is needed, and lungs
    unless ``lung_shunt_fraction`` is given); ``ct`` (HU, any grid) gives the density;
    ``territories`` maps each injection position's name to its perfused territory on the scout
    grid.

    The treated mass comes from the liver mask (density from the CT when given, else the
    protocol's tissue density); the activity from the prescription; the lung shunt, lung dose,
    predicted doses per VOI and extrahepatic depositions from the scout SPECT.

    Keys: ``activity_mbq``, ``treated_mass_kg``, ``target_dose_gy``, ``lung_shunt_fraction``,
    ``lung_mass_kg``, ``lung_dose_gy``, ``within_limits``, ``failed_limits``, ``checks``,
    ``vois`` (``name``, ``kind``, ``mass_g``, ``scout_activity_mbq``, ``fraction_of_scout``,
    ``predicted_activity_mbq``, ``predicted_mean_dose_gy``), ``extrahepatic`` (``label``,
    ``activity_mbq``, ``fraction_of_scout``, ``volume_ml``, ``peak_bq_per_ml``,
    ``centroid_lps_mm``), ``tumours_below_ideal``, ``scout_activity_mbq``, ``protocol``,
    ``limits``, the timing keys of :func:`quick_plan`, and ``biodistribution`` of the scout
    (``scan``, ``voi``, ``activity_mbq``, ``fraction_of_administered``) when
    ``scout_activity_mbq`` (administered, at the scout injection) is given, the scout SPECT taken
    ``scout_time_h`` hours later (0 when not given, then said in ``assumptions``, a list of
    strings). With ``territories``, ``injection_positions`` lists per position ``name``,
    ``mass_kg`` (territory mass, same density as the treated liver), ``activity_mbq`` (the planned
    activity split in proportion to the masses, summing to ``activity_mbq``) and
    ``mean_dose_gy``; empty without.
    """
    _check_options(target_dose_gy, scout_activity_mbq, scout_time_h, lung_mass_kg)
    _check_regions(regions, lung_shunt_fraction)
    study = protocol
    _check_times(study, calibration_time, administration_time)
    if scout_activity_mbq is not None:
        check_activity(study.plausibility, scout_activity_mbq, field="scout_activity_mbq",
                       protocol=study.name)
    limits = planning_limits_from_protocol(study)
    prescription = study.prescription
    liver, lungs, tumours = regions.liver, regions.lungs, list(regions.tumours)
    if liver is None:  # refused by _check_regions; for the type checker
        raise InvalidValueError(field="liver_mask", value=None, expected="a liver region")
    density = density_from_ct(ct_on_grid(ct, scout)) if ct is not None else (
        prescription.tissue_density_g_per_ml
    )
    treated_mass_kg = region_mass_g(liver, density) / G_PER_KG
    check_treated_mass(study.plausibility, treated_mass_kg, field="liver_mask",
                       protocol=study.name)
    target = prescription.mean_dose_treated_liver_gy if target_dose_gy is None else target_dose_gy
    activity = activity_for_mean_dose_mbq(
        target, treated_mass_kg, prescription.absorbed_energy_mj_per_mbq
    )
    analysis = analyse_scout(
        scout, liver, treatment_activity_mbq=activity, lungs=lungs, tumours=tumours,
        lung_shunt_fraction=lung_shunt_fraction, lung_mass_kg=lung_mass_kg, density=density,
        absorbed_energy_mj_per_mbq=prescription.absorbed_energy_mj_per_mbq, limits=limits,
    )
    data = analysis.to_dict()
    data.pop("treatment_activity_mbq")
    data["biodistribution"] = []
    assumptions: list[str] = []
    if scout_activity_mbq is not None:
        if scout_time_h is None:
            assumptions.append(
                "no --scout-time-h: the scout SPECT is taken as acquired at the scout injection "
                "(0 h) for the scout biodistribution"
            )
        hours = 0.0 if scout_time_h is None else scout_time_h
        remaining = scout_activity_mbq * float(
            decay_factor_over_h(hours, nuclide("Ho-166").half_life_h)
        )
        data["biodistribution"] = [row.to_dict() for row in biodistribution_naming_option(
            scout, scan="scout", administered_mbq=scout_activity_mbq, at_scan_mbq=remaining,
            option="scout_activity_mbq", liver=liver, tumours=tumours, lungs=lungs,
            body=regions.body,
        )]
    data["assumptions"] = assumptions
    data["injection_positions"] = _injection_positions(
        territories or {}, density, activity, prescription.absorbed_energy_mj_per_mbq
    )
    return {
        "activity_mbq": activity,
        "treated_mass_kg": treated_mass_kg,
        "target_dose_gy": target,
        **data,
        **_timing(activity, calibration_time, administration_time),
        **_context(study, limits),
    }

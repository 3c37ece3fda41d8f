"""Scout-dose analysis: lung shunt, lung dose, predicted VOI doses, extrahepatic depositions.

The 166Ho scout dose (about 250 MBq of the same microspheres) predicts the treatment
distribution (Utrecht, J Nucl Med 2016;57(S2):199; REFERENCE.md): each VOI is predicted to receive
the treatment activity times its fraction of the scout activity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.physics import (
    BQ_PER_MBQ,
    G_PER_KG,
    HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
    SOFT_TISSUE_DENSITY_G_PER_ML,
    mean_dose_gy,
)

from ._checks import (
    require_mask_not_empty,
    require_nonnegative,
    require_positive,
    require_same_grid,
)
from ._density import LUNG_DENSITY_G_PER_ML
from ._planning import LimitCheck, PlanningLimits, check_limits, lung_dose_gy
from ._regions import activity_in_mbq, non_tumour_liver, region_mass_g

__all__ = [
    "ExtrahepaticDeposition",
    "ScoutAnalysis",
    "VoiPrediction",
    "analyse_scout",
    "lung_shunt_fraction",
]


@dataclass(frozen=True)
class VoiPrediction:
    """Scout activity in a VOI and the treatment dose it predicts."""

    name: str
    kind: str
    mass_g: float
    scout_activity_mbq: float
    fraction_of_scout: float
    predicted_activity_mbq: float
    predicted_mean_dose_gy: float


@dataclass(frozen=True)
class ExtrahepaticDeposition:
    """A connected region outside liver and lungs above the threshold."""

    label: int
    activity_mbq: float
    fraction_of_scout: float
    volume_ml: float
    peak_bq_per_ml: float
    centroid_lps_mm: tuple[float, float, float]


@dataclass(frozen=True)
class ScoutAnalysis:
    """Everything the physicist reads from the scout SPECT for a planned treatment activity."""

    treatment_activity_mbq: float
    scout_activity_mbq: float
    lung_shunt_fraction: float
    lung_mass_kg: float
    lung_dose_gy: float
    vois: tuple[VoiPrediction, ...]
    extrahepatic: tuple[ExtrahepaticDeposition, ...]
    checks: tuple[LimitCheck, ...]
    tumour_dose_ideal_min_gy: float | None

    @property
    def within_limits(self) -> bool:
        """True when every limit is met (lung dose, liver dose, extrahepatic fraction)."""
        return all(c.passed for c in self.checks)

    @property
    def failed_limits(self) -> tuple[LimitCheck, ...]:
        """Limits not met; the extrahepatic depositions together are the check
        ``extrahepatic_fraction`` against ``PlanningLimits.extrahepatic_fraction_max``."""
        return tuple(c for c in self.checks if not c.passed)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (the ``hepar plan --spect ... --json`` contract)."""
        data = asdict(self)
        data["within_limits"] = self.within_limits
        data["failed_limits"] = [asdict(c) for c in self.failed_limits]
        data["tumours_below_ideal"] = [
            v.name for v in self.vois
            if v.kind == "tumour" and self.tumour_dose_ideal_min_gy is not None
            and v.predicted_mean_dose_gy < self.tumour_dose_ideal_min_gy
        ]
        return data


def lung_shunt_fraction(scout: Volume, liver: Mask, lungs: Mask) -> float:
    """Lung shunt fraction measured on a scout SPECT (Bq/mL).

    .. math:: \\mathrm{LSF} = \\frac{A_\\mathrm{lung}}{A_\\mathrm{lung} + A_\\mathrm{liver}}

    (the 166Ho scout-dose convention, Utrecht, J Nucl Med 2016;57(S2):199; REFERENCE.md). 0 when
    neither region holds activity.

    Examples
    --------
    >>> import numpy as np
    >>> from hepar.imaging import Volume
    >>> scout = Volume(np.array([[[9.0e4, 1.0e4]]]), np.eye(4), "Bq/mL", "1.2.3")
    >>> liver = Mask.on_grid_of("liver", scout, np.array([[[1.0, 0.0]]]))
    >>> lungs = Mask.on_grid_of("lungs", scout, np.array([[[0.0, 1.0]]]))
    >>> round(lung_shunt_fraction(scout, liver, lungs), 3)
    0.1
    """
    scout.require_unit(VolumeUnit.BQ_PER_ML, name="scout")
    require_nonnegative(scout, "scout")
    for mask in (liver, lungs):
        require_same_grid(scout, mask.grid, f"mask {mask.name!r}")
    return _shunt(activity_in_mbq(scout, liver.fraction), activity_in_mbq(scout, lungs.fraction))


def _shunt(liver_mbq: float, lung_mbq: float) -> float:
    return lung_mbq / (lung_mbq + liver_mbq) if lung_mbq + liver_mbq > 0 else 0.0


def _extrahepatic(
    scout: Volume, liver: Mask, lungs: Mask | None, liver_mean_bq_per_ml: float,
    total_mbq: float, limits: PlanningLimits,
) -> tuple[ExtrahepaticDeposition, ...]:
    values = np.asarray(scout.array, dtype=float)
    distance = ndimage.distance_transform_edt(~liver.boolean, sampling=scout.spacing_mm)
    search = distance > limits.extrahepatic_liver_margin_mm
    if lungs is not None:
        search &= ~lungs.boolean
    hot = search & (values > limits.extrahepatic_threshold_fraction * liver_mean_bq_per_ml)
    labels, count = ndimage.label(hot, structure=np.ones((3, 3, 3)))
    found: list[ExtrahepaticDeposition] = []
    for label in range(1, count + 1):
        region = labels == label
        weights = values[region]
        activity = float(weights.sum() * scout.voxel_volume_ml / BQ_PER_MBQ)
        if total_mbq <= 0 or activity / total_mbq < limits.extrahepatic_min_activity_fraction:
            continue
        index = np.argwhere(region)
        centroid = scout.world_mm((index * weights[:, None]).sum(axis=0) / weights.sum())
        found.append(ExtrahepaticDeposition(
            label=len(found) + 1,
            activity_mbq=activity,
            fraction_of_scout=activity / total_mbq,
            volume_ml=float(region.sum() * scout.voxel_volume_ml),
            peak_bq_per_ml=float(weights.max()),
            centroid_lps_mm=(float(centroid[0]), float(centroid[1]), float(centroid[2])),
        ))
    return tuple(found)


def analyse_scout(
    scout: Volume,
    liver: Mask,
    *,
    treatment_activity_mbq: float,
    lungs: Mask | None = None,
    tumours: Sequence[Mask] = (),
    lung_shunt_fraction: float | None = None,
    lung_mass_kg: float | None = None,
    density: Volume | float = SOFT_TISSUE_DENSITY_G_PER_ML,
    absorbed_energy_mj_per_mbq: float = HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
    limits: PlanningLimits | None = None,
) -> ScoutAnalysis:
    """Analyse a scout SPECT (Bq/mL) for a planned treatment activity.

    Parameters
    ----------
    scout
        Reconstructed scout SPECT in Bq/mL, with the masks on its grid.
    liver
        Treated liver (the perfused volume).
    treatment_activity_mbq
        Planned treatment activity (e.g. from :func:`plan_activity`).
    lungs
        Lung mask: gives :math:`\\mathrm{LSF} = A_\\mathrm{lung}/(A_\\mathrm{lung} +
        A_\\mathrm{liver})` and, when ``lung_mass_kg`` is not given, the lung mass (with the density
        map, or inflated-lung density 0.26 g/mL, ICRP 89).
    tumours
        Tumour masks; non-tumour liver = liver minus tumours.
    lung_shunt_fraction
        Use this LSF instead of measuring it (needed when there is no lung mask; then the
        predicted VOI activities are the treatment activity times (1 - LSF) times their fraction
        of the scout).
    lung_mass_kg
        Lung mass; default from the lung mask, else ``limits.lung_mass_default_kg`` (1 kg).
    """
    rules = limits or PlanningLimits()
    scout.require_unit(VolumeUnit.BQ_PER_ML, name="scout")
    require_nonnegative(scout, "scout")
    treatment = require_positive("treatment_activity_mbq", treatment_activity_mbq)
    for mask in (liver, lungs, *tumours):
        if mask is not None:
            require_same_grid(scout, mask.grid, f"mask {mask.name!r}")
            require_mask_not_empty(mask)
    if isinstance(density, Volume):
        require_same_grid(scout, density, "density")
    total = activity_in_mbq(scout)
    if total <= 0:
        raise InvalidValueError(
            field="scout", value="0 MBq", expected="a scout image with activity"
        )
    liver_mbq = activity_in_mbq(scout, liver.fraction)
    if lung_shunt_fraction is None:
        if lungs is None:
            raise InvalidValueError(
                field="lung_shunt_fraction", value=None,
                expected="a lung mask or an explicit lung shunt fraction",
            )
        lsf = _shunt(liver_mbq, activity_in_mbq(scout, lungs.fraction))
    else:
        lsf = float(lung_shunt_fraction)
    if lung_mass_kg is None:
        if lungs is not None:
            lung_density = density if isinstance(density, Volume) else LUNG_DENSITY_G_PER_ML
            lung_mass_kg = region_mass_g(lungs, lung_density) / G_PER_KG
        else:
            lung_mass_kg = rules.lung_mass_default_kg
    lung = lung_dose_gy(treatment, lsf, lung_mass_kg,
                        absorbed_energy_mj_per_mbq=absorbed_energy_mj_per_mbq)
    regions = [(liver, "liver"), (non_tumour_liver(liver, tumours), "non-tumour liver")]
    regions += [(tumour, "tumour") for tumour in tumours]
    predictions = []
    for region, kind in regions:
        mass_g = region_mass_g(region, density)
        scout_mbq = activity_in_mbq(scout, region.fraction)
        fraction = scout_mbq / total
        # without lungs in the image, the shunted part is taken off the given LSF
        predicted = treatment * fraction * (1.0 - lsf if lungs is None else 1.0)
        predictions.append(VoiPrediction(
            name=region.name,
            kind=kind,
            mass_g=mass_g,
            scout_activity_mbq=scout_mbq,
            fraction_of_scout=fraction,
            predicted_activity_mbq=predicted,
            predicted_mean_dose_gy=mean_dose_gy(
                predicted, mass_g / G_PER_KG, absorbed_energy_mj_per_mbq
            ) if mass_g > 0 else 0.0,
        ))
    liver_mean = liver_mbq * BQ_PER_MBQ / (liver.fraction.sum() * scout.voxel_volume_ml)
    extrahepatic = _extrahepatic(scout, liver, lungs, liver_mean, total, rules)
    return ScoutAnalysis(
        treatment_activity_mbq=treatment,
        scout_activity_mbq=total,
        lung_shunt_fraction=lsf,
        lung_mass_kg=float(lung_mass_kg),
        lung_dose_gy=lung,
        vois=tuple(predictions),
        extrahepatic=extrahepatic,
        checks=check_limits(
            lung_dose_gy=lung, liver_mean_dose_gy=predictions[0].predicted_mean_dose_gy,
            limits=rules,
            extrahepatic_fraction=sum(d.fraction_of_scout for d in extrahepatic),
        ),
        tumour_dose_ideal_min_gy=rules.tumour_dose_ideal_min_gy,
    )

"""166Ho treatment planning: activity for a target mean dose, lung dose, limits, split by position.

Every limit is a parameter (:class:`PlanningLimits`); ``hepar.services.planning`` fills it from the
protocol file, so a site changes the file, not the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hepar.errors import InvalidValueError
from hepar.physics import (
    HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
    activity_for_mean_dose_mbq,
    mean_dose_gy,
)

from ._checks import require_positive

__all__ = [
    "LimitCheck",
    "PlanningLimits",
    "QuickPlan",
    "check_limits",
    "lung_dose_gy",
    "plan_activity",
    "split_activity_by_mass",
]

#: Float tolerance when comparing a value with its limit (a 60 Gy plan meets a 60 Gy limit).
_LIMIT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PlanningLimits:
    """Limits a 166Ho plan is checked against, with their defaults.

    Parameters
    ----------
    lung_dose_max_gy
        Largest lung mean dose (30 Gy in clinical use, Adv Radiother Nucl Med 2020;3(3)).
    liver_mean_dose_max_gy
        Largest mean dose to the treated liver (60 Gy, HEPAR II / HEPAR PLUS prescription).
    tumour_dose_ideal_min_gy
        Tumour dose regarded as ideal (150 Gy); advisory, never makes a plan fail.
    lung_mass_default_kg
        Lung mass used when no lung mask is available (1 kg).
    extrahepatic_threshold_fraction
        A voxel outside liver and lungs counts as an extrahepatic deposition when its activity
        concentration exceeds this fraction of the mean liver concentration (hepar default).
    extrahepatic_min_activity_fraction
        A deposition is reported when it holds at least this fraction of the imaged activity.
    extrahepatic_liver_margin_mm
        Voxels within this distance of the liver are not searched (SPECT spill-out; hepar default).
    extrahepatic_fraction_max
        Largest fraction of the scout activity that the reported extrahepatic depositions may hold
        together; more makes the plan fail (0, the default: any deposition fails it).
    """

    lung_dose_max_gy: float = 30.0
    liver_mean_dose_max_gy: float = 60.0
    tumour_dose_ideal_min_gy: float | None = 150.0
    lung_mass_default_kg: float = 1.0
    extrahepatic_threshold_fraction: float = 0.1
    extrahepatic_min_activity_fraction: float = 0.001
    extrahepatic_liver_margin_mm: float = 10.0
    extrahepatic_fraction_max: float = 0.0

    def __post_init__(self) -> None:
        for name in ("lung_dose_max_gy", "liver_mean_dose_max_gy", "lung_mass_default_kg",
                     "extrahepatic_threshold_fraction", "extrahepatic_min_activity_fraction"):
            require_positive(name, getattr(self, name))
        if self.extrahepatic_liver_margin_mm < 0:
            raise InvalidValueError(
                field="extrahepatic_liver_margin_mm", value=self.extrahepatic_liver_margin_mm,
                expected="a distance >= 0 mm",
            )
        if not 0.0 <= self.extrahepatic_fraction_max <= 1.0:
            raise InvalidValueError(
                field="extrahepatic_fraction_max", value=self.extrahepatic_fraction_max,
                expected="a fraction of the scout activity from 0 to 1",
            )


@dataclass(frozen=True)
class LimitCheck:
    """One limit: its name, the planned value, the limit and whether the value is within it."""

    name: str
    value: float
    limit: float
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return asdict(self)


def check_limits(
    *,
    lung_dose_gy: float,
    liver_mean_dose_gy: float,
    limits: PlanningLimits,
    extrahepatic_fraction: float | None = None,
) -> tuple[LimitCheck, ...]:
    """Compare a plan's lung dose and treated-liver mean dose (and, from a scout SPECT, the
    fraction of the scout activity in extrahepatic depositions) with ``limits``.

    Examples
    --------
    >>> [c.passed for c in check_limits(lung_dose_gy=12.0, liver_mean_dose_gy=60.0,
    ...                                 limits=PlanningLimits(), extrahepatic_fraction=0.02)]
    [True, True, False]
    """
    pairs = [
        ("lung_dose_gy", lung_dose_gy, limits.lung_dose_max_gy),
        ("liver_mean_dose_gy", liver_mean_dose_gy, limits.liver_mean_dose_max_gy),
    ]
    if extrahepatic_fraction is not None:
        pairs.append(
            ("extrahepatic_fraction", extrahepatic_fraction, limits.extrahepatic_fraction_max)
        )
    return tuple(
        LimitCheck(name, float(value), float(limit), value <= limit * (1 + _LIMIT_TOLERANCE))
        for name, value, limit in pairs
    )


def lung_dose_gy(
    activity_mbq: float,
    lung_shunt_fraction: float,
    lung_mass_kg: float,
    *,
    absorbed_energy_mj_per_mbq: float = HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
) -> float:
    """Mean lung dose from the shunted activity, Gy.

    .. math:: D_\\mathrm{lung} = \\frac{A \\cdot \\mathrm{LSF} \\cdot E}{m_\\mathrm{lung}}

    (REFERENCE.md; E = 15.87 mJ/MBq for 166Ho).

    Examples
    --------
    >>> round(lung_dose_gy(3781.0, 0.10, 1.0), 2)
    6.0
    """
    if activity_mbq < 0:
        raise InvalidValueError(field="activity_mbq", value=activity_mbq, expected="activity >= 0")
    if not 0.0 <= lung_shunt_fraction < 1.0:
        raise InvalidValueError(
            field="lung_shunt_fraction", value=lung_shunt_fraction, expected="0 <= LSF < 1"
        )
    return mean_dose_gy(
        activity_mbq * lung_shunt_fraction, require_positive("lung_mass_kg", lung_mass_kg),
        absorbed_energy_mj_per_mbq,
    )


@dataclass(frozen=True)
class QuickPlan:
    """Activity for a target mean dose to the treated liver, and its checks against the limits."""

    treated_mass_kg: float
    target_dose_gy: float
    absorbed_energy_mj_per_mbq: float
    activity_mbq: float
    lung_shunt_fraction: float
    lung_mass_kg: float
    lung_dose_gy: float
    liver_mean_dose_gy: float
    checks: tuple[LimitCheck, ...] = field(default=())

    @property
    def within_limits(self) -> bool:
        """True when every limit is met."""
        return all(check.passed for check in self.checks)

    @property
    def failed_limits(self) -> tuple[LimitCheck, ...]:
        """The limits that are not met."""
        return tuple(check for check in self.checks if not check.passed)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (the ``hepar plan --json`` contract)."""
        data = {k: v for k, v in asdict(self).items() if k != "checks"}
        data["within_limits"] = self.within_limits
        data["failed_limits"] = [c.to_dict() for c in self.failed_limits]
        data["checks"] = [c.to_dict() for c in self.checks]
        return data


def plan_activity(
    treated_mass_kg: float,
    *,
    target_dose_gy: float = 60.0,
    lung_shunt_fraction: float = 0.0,
    lung_mass_kg: float | None = None,
    absorbed_energy_mj_per_mbq: float = HO166_CLINICAL_ABSORBED_ENERGY_MJ_PER_MBQ,
    limits: PlanningLimits | None = None,
) -> QuickPlan:
    """Plan the 166Ho activity for a mean dose to the treated liver and check the limits.

    :math:`A = D\\,m/E` (the Utrecht rule, 3781 MBq per kg for 60 Gy, REFERENCE.md). The lung dose
    uses the shunted part; the treated liver's predicted mean dose uses the rest,
    :math:`A(1-\\mathrm{LSF})E/m`.

    Examples
    --------
    >>> plan = plan_activity(1.0, lung_shunt_fraction=0.1)
    >>> round(plan.activity_mbq), round(plan.lung_dose_gy, 2), plan.within_limits
    (3781, 6.0, True)
    """
    rules = limits or PlanningLimits()
    mass = require_positive("treated_mass_kg", treated_mass_kg)
    target = require_positive("target_dose_gy", target_dose_gy)
    lung_mass = rules.lung_mass_default_kg if lung_mass_kg is None else lung_mass_kg
    activity = activity_for_mean_dose_mbq(target, mass, absorbed_energy_mj_per_mbq)
    lung = lung_dose_gy(
        activity, lung_shunt_fraction, lung_mass,
        absorbed_energy_mj_per_mbq=absorbed_energy_mj_per_mbq,
    )
    liver = mean_dose_gy(activity * (1.0 - lung_shunt_fraction), mass, absorbed_energy_mj_per_mbq)
    return QuickPlan(
        treated_mass_kg=mass,
        target_dose_gy=target,
        absorbed_energy_mj_per_mbq=float(absorbed_energy_mj_per_mbq),
        activity_mbq=activity,
        lung_shunt_fraction=float(lung_shunt_fraction),
        lung_mass_kg=float(lung_mass),
        lung_dose_gy=lung,
        liver_mean_dose_gy=liver,
        checks=check_limits(lung_dose_gy=lung, liver_mean_dose_gy=liver, limits=rules),
    )


def split_activity_by_mass(
    activity_mbq: float, perfused_mass_kg: Mapping[str, float]
) -> dict[str, float]:
    """Split an activity over injection positions in proportion to the mass each one perfuses,
    so that every perfused territory receives the same mean dose.

    Examples
    --------
    >>> split_activity_by_mass(3000.0, {"right hepatic": 1.2, "left hepatic": 0.3})
    {'right hepatic': 2400.0, 'left hepatic': 600.0}
    """
    if not perfused_mass_kg:
        raise InvalidValueError(
            field="perfused_mass_kg", value={}, expected="at least one injection position"
        )
    masses = {name: require_positive(f"perfused_mass_kg[{name!r}]", m)
              for name, m in perfused_mass_kg.items()}
    total = sum(masses.values())
    return {name: activity_mbq * m / total for name, m in masses.items()}

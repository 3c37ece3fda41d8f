"""First-order relations between activity, absorbed energy, mass and mean dose."""

from __future__ import annotations

from hepar.errors import InvalidValueError

from ._constants import MJ_PER_J

__all__ = ["activity_for_mean_dose_mbq", "mean_dose_gy"]


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise InvalidValueError(field=name, value=value, expected="a positive number")
    return float(value)


def activity_for_mean_dose_mbq(
    dose_gy: float, mass_kg: float, absorbed_energy_mj_per_mbq: float
) -> float:
    """Activity that gives a mean absorbed dose to a mass when fully decayed in it.

    .. math:: A\\,[\\mathrm{MBq}] = \\frac{D\\,[\\mathrm{Gy}] \\; m\\,[\\mathrm{kg}]}
              {E\\,[\\mathrm{mJ/MBq}] / 1000}

    (MIRD local deposition; for 166Ho the Utrecht planning rule "liver weight x 3780",
    REFERENCE.md).

    Examples
    --------
    >>> round(activity_for_mean_dose_mbq(60.0, 1.0, 15.87))
    3781
    """
    return (
        _positive("dose_gy", dose_gy)
        * _positive("mass_kg", mass_kg)
        / (_positive("absorbed_energy_mj_per_mbq", absorbed_energy_mj_per_mbq) / MJ_PER_J)
    )


def mean_dose_gy(activity_mbq: float, mass_kg: float, absorbed_energy_mj_per_mbq: float) -> float:
    """Mean absorbed dose from ``activity_mbq`` fully decayed in ``mass_kg``.

    .. math:: D = A\\,E / m

    Examples
    --------
    >>> round(mean_dose_gy(3781.0, 1.0, 15.87), 2)
    60.0
    """
    if activity_mbq < 0:
        raise InvalidValueError(field="activity_mbq", value=activity_mbq, expected="activity >= 0")
    return (
        activity_mbq * _positive("absorbed_energy_mj_per_mbq", absorbed_energy_mj_per_mbq)
        / MJ_PER_J / _positive("mass_kg", mass_kg)
    )

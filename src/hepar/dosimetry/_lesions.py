"""Per-VOI dose statistics, the lesion table and the tumour-to-non-tumour ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume
from hepar.physics import SOFT_TISSUE_DENSITY_G_PER_ML

from ._dvh import DoseVolumeHistogram, dose_volume_histogram
from ._regions import non_tumour_liver

__all__ = ["DoseReport", "dose_report", "tumour_to_non_tumour_ratio"]


def tumour_to_non_tumour_ratio(tumour_mean_gy: float, non_tumour_mean_gy: float) -> float:
    """T/N ratio of mean doses (equal to the ratio of mean activity concentrations for local
    deposition with one density).

    Examples
    --------
    >>> tumour_to_non_tumour_ratio(180.0, 40.0)
    4.5
    """
    if not non_tumour_mean_gy > 0:
        raise InvalidValueError(
            field="non_tumour_mean_gy", value=non_tumour_mean_gy, expected="a positive mean dose"
        )
    return tumour_mean_gy / non_tumour_mean_gy


@dataclass(frozen=True, eq=False)
class DoseReport:
    """DVHs of liver, non-tumour liver, each tumour (and any other VOI), and the lesion table."""

    dvhs: tuple[DoseVolumeHistogram, ...]
    lesions: tuple[dict[str, Any], ...]
    tumour_to_non_tumour: float | None

    def summary(self) -> list[dict[str, Any]]:
        """One row of metrics per VOI."""
        return [dvh.summary() for dvh in self.dvhs]


def dose_report(
    dose: Volume,
    *,
    liver: Mask,
    tumours: Sequence[Mask] = (),
    others: Sequence[Mask] = (),
    density: Volume | float = SOFT_TISSUE_DENSITY_G_PER_ML,
) -> DoseReport:
    """DVH per VOI and the lesion-level table (each tumour with its T/N ratio)."""
    normal = non_tumour_liver(liver, tumours)
    dvhs = [dose_volume_histogram(dose, liver, density=density)]
    normal_dvh = (
        dose_volume_histogram(dose, normal, density=density) if normal.voxel_count else None
    )
    if normal_dvh is not None:
        dvhs.append(normal_dvh)
    lesions = []
    tumour_mass = tumour_dose_mass = 0.0
    for tumour in tumours:
        dvh = dose_volume_histogram(dose, tumour, density=density)
        dvhs.append(dvh)
        row = dvh.summary()
        row["tumour_to_non_tumour"] = (
            tumour_to_non_tumour_ratio(dvh.mean_gy, normal_dvh.mean_gy)
            if normal_dvh is not None and normal_dvh.mean_gy > 0 else None
        )
        lesions.append(row)
        tumour_mass += dvh.mass_g
        tumour_dose_mass += dvh.mean_gy * dvh.mass_g
    dvhs.extend(dose_volume_histogram(dose, other, density=density) for other in others)
    ratio = None
    if tumours and normal_dvh is not None and normal_dvh.mean_gy > 0 and tumour_mass > 0:
        ratio = tumour_to_non_tumour_ratio(tumour_dose_mass / tumour_mass, normal_dvh.mean_gy)
    return DoseReport(tuple(dvhs), tuple(lesions), ratio)

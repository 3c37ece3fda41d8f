"""Dosimetry over the cohort: per-patient doses, scout-vs-treatment agreement (Bland-Altman),
177Lu + 166Ho combined dose and BED (:func:`hepar.dosimetry.combined_bed_gy`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hepar.dosimetry import NORMAL_LIVER, TUMOUR, DoseComponent, Radiobiology, combined_bed_gy
from hepar.physics import nuclide

from ._records import PatientDosimetry, PatientRecord

__all__ = ["BlandAltman", "CombinedDose", "DosimetryAnalysis", "analyse_dosimetry",
           "bland_altman"]


@dataclass(frozen=True)
class BlandAltman:
    """Agreement of post-treatment with scout-predicted dose (Bland & Altman, Lancet
    1986;i:307): bias = mean(post - predicted), limits of agreement bias +/- 1.96 SD."""

    name: str
    n: int
    bias_gy: float | None
    sd_gy: float | None
    lower_loa_gy: float | None
    upper_loa_gy: float | None
    bias_lower_gy: float | None
    bias_upper_gy: float | None
    means_gy: list[float]
    differences_gy: list[float]


@dataclass(frozen=True)
class CombinedDose:
    """177Lu (four cycles) + 166Ho dose and BED of one region of one patient."""

    patient_id: str
    region: str
    lu177_gy: float
    ho166_gy: float
    total_gy: float
    bed_gy: float
    alpha_beta_gy: float
    repair_half_time_h: float
    lu177_half_life_h: float


@dataclass(frozen=True)
class DosimetryAnalysis:
    """Per-patient rows, agreement and combined doses."""

    rows: list[PatientDosimetry]
    agreement: list[BlandAltman]
    combined: list[CombinedDose]
    radiobiology: dict[str, Radiobiology]


def bland_altman(name: str, predicted: Sequence[float], measured: Sequence[float],
                 *, confidence_level: float = 0.95) -> BlandAltman:
    """Bland-Altman statistics of paired values (measured - predicted).

    Examples
    --------
    >>> ba = bland_altman("t", [100.0, 120.0, 80.0], [110.0, 118.0, 90.0])
    >>> round(ba.bias_gy, 3), round(ba.sd_gy, 3)
    (6.0, 6.928)
    """
    p, m = np.asarray(predicted, float), np.asarray(measured, float)
    diff, mean = m - p, (m + p) / 2.0
    n = len(diff)
    if n == 0:
        return BlandAltman(name, 0, None, None, None, None, None, None, [], [])
    bias = float(diff.mean())
    if n < 2:
        return BlandAltman(name, n, bias, None, None, None, None, None, mean.tolist(),
                           diff.tolist())
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence_level / 2, n - 1) * sd / np.sqrt(n))
    return BlandAltman(name, n, bias, sd, bias - 1.96 * sd, bias + 1.96 * sd, bias - half,
                       bias + half, mean.tolist(), diff.tolist())


def _pairs(rows: Sequence[PatientDosimetry], a: str, b: str) -> tuple[list[float], list[float]]:
    out: tuple[list[float], list[float]] = ([], [])
    for row in rows:
        x, y = getattr(row, a), getattr(row, b)
        if x is not None and y is not None:
            out[0].append(float(x))
            out[1].append(float(y))
    return out


def analyse_dosimetry(patients: Sequence[PatientRecord], *, confidence_level: float = 0.95
                      ) -> DosimetryAnalysis:
    """Dosimetry tables of the treated patients with a dosimetry record."""
    rows = [p.dosimetry for p in patients if p.treated and p.dosimetry is not None]
    agreement = [
        bland_altman(name, *_pairs(rows, f"{key}_predicted_gy", f"{key}_gy"),
                     confidence_level=confidence_level)
        for name, key in (("Tumour", "tumour"), ("Non-tumour liver", "non_tumour_liver"),
                          ("Lung", "lung"))
    ]
    ho_half = nuclide("Ho-166").half_life_h  # permanent implant: physical decay only
    lu_physical = nuclide("Lu-177").half_life_h
    combined: list[CombinedDose] = []
    for row in rows:
        lu_half = row.lu177_effective_half_life_h or lu_physical
        for region, lu, ho, biology in (
                ("tumour", row.lu177_tumour_gy, row.tumour_gy, TUMOUR),
                ("non-tumour liver", row.lu177_non_tumour_liver_gy, row.non_tumour_liver_gy,
                 NORMAL_LIVER)):
            if lu is None or ho is None:
                continue
            bed = combined_bed_gy([DoseComponent("177Lu", float(lu), lu_half),
                                   DoseComponent("166Ho", float(ho), ho_half)],
                                  radiobiology=biology)
            combined.append(CombinedDose(row.patient_id, region, float(lu), float(ho),
                                         float(lu) + float(ho), float(bed),
                                         biology.alpha_beta_gy, biology.repair_half_time_h,
                                         lu_half))
    return DosimetryAnalysis(rows, agreement, combined,
                             {"tumour": TUMOUR, "non-tumour liver": NORMAL_LIVER})

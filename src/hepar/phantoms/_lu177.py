"""177Lu-dotatate biokinetics of a virtual patient: activity maps after each cycle.

Each compartment (tumour, kidneys, spleen, normal liver, remainder of the body) holds a
fraction of the injected activity that clears bi-exponentially,

.. math:: A_c(t) = A_0 \\sum_i u_{c,i}\\, e^{-\\lambda_{c,i} t}, \\qquad
          \\lambda_{c,i} = \\ln 2 / T_{\\mathrm{eff},c,i},

spread uniformly over the compartment's voxels (tumour: per mL of viable tumour; necrotic cores,
without somatostatin-receptor-expressing cells, hold none). Values are
drawn per patient log-normally around magnitudes reported for 177Lu-DOTATATE (kidneys about
1 % IA per kidney with effective half-life about 50 h, spleen about 1 %, tumour uptake of order
0.01-0.05 % IA per mL with effective half-lives of 70-120 h, most of the rest excreted in the
urine within a day; e.g. Sandström et al., J Nucl Med 2013;54:33; Garske-Román et al., EJNMMI
2018;45:970). A slow component with a near-physical effective half-life in tumour and kidneys
leaves the small residual 177Lu present 8-12 weeks after the last cycle (physical decay alone
from 7.4 GBq: about 21 MBq at 8 weeks, REFERENCE.md). These are plausible magnitudes for a
phantom, not a fit to patient data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.physics import elapsed_h, nuclide

from ._anatomy import Labels
from ._tissues import Structure

__all__ = ["LU177_ACTIVITY_PER_CYCLE_MBQ", "Compartment", "Lu177Kinetics", "draw_lu177_kinetics"]

#: 200 mCi per cycle, 4 cycles (HEPAR PLUS; REFERENCE.md).
LU177_ACTIVITY_PER_CYCLE_MBQ = 7400.0


@dataclass(frozen=True)
class Compartment:
    """Uptake fractions (of injected activity, or per mL for ``per_ml``) and effective
    half-lives (h) of the exponential components of one compartment."""

    name: str
    uptake: tuple[float, ...]
    effective_half_life_h: tuple[float, ...]
    per_ml: bool = False

    def fraction(self, hours: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Retained fraction (or fraction per mL) at ``hours`` after injection (0 before)."""
        t = np.asarray(hours, dtype=float)
        total = np.zeros_like(t)
        for u, half in zip(self.uptake, self.effective_half_life_h, strict=True):
            total = total + u * np.exp(-math.log(2.0) / half * np.maximum(t, 0.0))
        return np.where(t >= 0, total, 0.0)

    def integral_h(self) -> float:
        """Time integral of the fraction from injection to infinity, in h."""
        return sum(u * half / math.log(2.0)
                   for u, half in zip(self.uptake, self.effective_half_life_h, strict=True))


@dataclass(frozen=True)
class Lu177Kinetics:
    """One patient's 177Lu-dotatate kinetics and treatment cycles."""

    compartments: tuple[Compartment, ...]
    cycle_times: tuple[datetime, ...]
    cycle_activities_mbq: tuple[float, ...]

    def compartment(self, name: str) -> Compartment:
        """The compartment called ``name``."""
        for c in self.compartments:
            if c.name == name:
                return c
        raise InvalidValueError(field="compartment", value=name,
                                expected=f"one of {[c.name for c in self.compartments]}")

    def _weights(self, labels: Labels) -> dict[str, NDArray[np.float64]]:
        """Per-voxel weights of each compartment (fractions of the compartment's uptake)."""
        structure = labels.structure
        voxel_ml = labels.grid.voxel_volume_ml
        kidney = (structure == Structure.KIDNEY).astype(float)
        spleen = (structure == Structure.SPLEEN).astype(float)
        liver = (structure == Structure.LIVER).astype(float)
        tumour = (structure == Structure.LESION).astype(float) * voxel_ml  # per-mL uptake
        rest = ((structure > 0) & ~np.isin(structure, (
            Structure.KIDNEY, Structure.SPLEEN, Structure.LIVER, Structure.LESION,
            Structure.NECROSIS, Structure.GAS, Structure.BONE_CORTICAL))).astype(float)
        out = {"kidneys": kidney, "spleen": spleen, "liver": liver, "tumour": tumour,
               "remainder": rest}
        for name, weight in out.items():
            total = weight.sum()
            if name != "tumour" and total > 0:
                out[name] = weight / total
        return out

    def activity_map_mbq(self, labels: Labels, at: datetime) -> NDArray[np.float64]:
        """177Lu activity per voxel (MBq) at ``at``, summed over all cycles given before it."""
        weights = self._weights(labels)
        total = np.zeros(labels.structure.shape)
        for start, injected in zip(self.cycle_times, self.cycle_activities_mbq, strict=True):
            hours = elapsed_h(start, at)
            if hours < 0:
                continue
            for comp in self.compartments:
                total += injected * float(comp.fraction(hours)) * weights[comp.name]
        return total

    def time_integrated_activity_mbq_h(self, labels: Labels, cycle: int
                                       ) -> NDArray[np.float64]:
        """Time-integrated activity per voxel (MBq h) of one cycle (1-based), to infinity."""
        if not 1 <= cycle <= len(self.cycle_times):
            raise InvalidValueError(field="cycle", value=cycle,
                                    expected=f"1 to {len(self.cycle_times)}")
        weights = self._weights(labels)
        injected = self.cycle_activities_mbq[cycle - 1]
        total = np.zeros(labels.structure.shape)
        for comp in self.compartments:
            total += injected * comp.integral_h() * weights[comp.name]
        return total


def draw_lu177_kinetics(
    rng: np.random.Generator, cycle_times: Sequence[datetime],
    cycle_activities_mbq: Sequence[float] | None = None,
) -> Lu177Kinetics:
    """Draw one patient's kinetics (log-normal spread around typical values).

    Effective half-lives never exceed the physical half-life of 177Lu (159.5 h, ICRP 107).
    """
    physical = nuclide("Lu-177").half_life_h

    def ln(median: float, sd: float = 0.25) -> float:
        return float(median * np.exp(rng.normal(0.0, sd)))

    def half(median: float, sd: float = 0.2) -> float:
        return min(ln(median, sd), physical)

    slow_half = min(1.0 / (1.0 / physical + 1.0 / ln(2500.0, 0.3)), physical)
    compartments = (
        Compartment("tumour", (ln(3.0e-4, 0.5), ln(0.6e-4, 0.5)),
                    (half(90.0), slow_half), per_ml=True),
        Compartment("kidneys", (ln(0.020), ln(0.0015, 0.4)), (half(50.0), slow_half)),
        Compartment("spleen", (ln(0.010),), (half(70.0),)),
        Compartment("liver", (ln(0.012),), (half(70.0),)),
        Compartment("remainder", (ln(0.45, 0.15), ln(0.06, 0.3)), (half(1.5), half(45.0))),
    )
    activities = tuple(cycle_activities_mbq) if cycle_activities_mbq is not None else tuple(
        LU177_ACTIVITY_PER_CYCLE_MBQ for _ in cycle_times)
    if len(activities) != len(cycle_times):
        raise InvalidValueError(field="cycle_activities_mbq", value=len(activities),
                                expected=f"one activity per cycle ({len(cycle_times)})")
    return Lu177Kinetics(compartments, tuple(cycle_times), activities)

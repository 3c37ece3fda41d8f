"""Recovery coefficients against VOI size: the partial-volume effect of a reconstruction.

RC(V) = mean reconstructed concentration in a sphere / true concentration, measured on spheres
of known activity in a warm background (Dewaraja et al., MIRD Pamphlet No. 23, J Nucl Med
2012;53:1310, section "Partial-volume effects"). A VOI is compared with the spheres by its
sphere-equivalent diameter d = (6 V / pi)^(1/3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hepar.physics import MM3_PER_ML

__all__ = ["MIN_RELIABLE_RECOVERY", "RecoveryCurve", "sphere_equivalent_diameter_mm"]

#: Below this recovery coefficient a VOI's mean is more spill than lesion: the correction would
#: more than double it and would depend on the lesion-to-background ratio, which one phantom
#: ratio cannot stand for; such lesions are left out of the dose-response (their dose is not
#: reliable at this resolution).
MIN_RELIABLE_RECOVERY = 0.5


def sphere_equivalent_diameter_mm(volume_ml: float) -> float:
    """Diameter of the sphere of ``volume_ml``: d = (6 V / pi)^(1/3), V in mm^3.

    >>> round(sphere_equivalent_diameter_mm(4.0 / 3.0 * math.pi), 6)  # r = 10 mm: 4/3 pi mL
    20.0
    """
    return (6.0 * volume_ml * MM3_PER_ML / math.pi) ** (1.0 / 3.0)


@dataclass(frozen=True)
class RecoveryCurve:
    """Recovery coefficients against sphere diameter, for one preset and reconstruction."""

    preset: str
    diameters_mm: tuple[float, ...]
    recovery: tuple[float, ...]
    sphere_to_background: float
    iterations: int
    subsets: int
    software_version: str

    def coefficient(self, volume_ml: float) -> float:
        """RC of a VOI of ``volume_ml``: interpolated linearly in the sphere-equivalent
        diameter, held at the end values outside the phantom's spheres."""
        return float(np.interp(sphere_equivalent_diameter_mm(volume_ml), self.diameters_mm,
                               self.recovery))

    def reliable(self, volume_ml: float) -> bool:
        """Whether a VOI of ``volume_ml`` recovers at least :data:`MIN_RELIABLE_RECOVERY`."""
        return self.coefficient(volume_ml) >= MIN_RELIABLE_RECOVERY

    def corrected_gy(self, mean_gy: float, volume_ml: float) -> float:
        """A VOI's mean dose divided by its recovery coefficient."""
        return mean_gy / self.coefficient(volume_ml)

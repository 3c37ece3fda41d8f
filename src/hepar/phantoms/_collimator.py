"""Parallel-hole collimators from their geometry: resolution and efficiency.

Formulas from Cherry, Sorenson & Phelps, *Physics in Nuclear Medicine*, 4th ed. (2012), ch. 14,
section B (parallel-hole collimator performance):

* effective hole length (septal penetration at the hole ends): :math:`l_e = l - 2/\\mu`
* geometric resolution (FWHM) at distance :math:`b` from the collimator face:
  :math:`R_g = d\\,(l_e + b)/l_e`
* geometric efficiency: :math:`g = K^2 (d/l_e)^2\\, d^2/(d + t)^2`, with
  :math:`K \\approx 0.26` for hexagonal holes in a hexagonal array
* system resolution: :math:`R_s = \\sqrt{R_g^2 + R_i^2}` with the intrinsic resolution
  :math:`R_i` of the detector.

Collimator dimensions are data shared with the reconstruction: they are read from
:data:`hepar.physics.COLLIMATORS` (Siemens Symbia LEHR and ME, SIMIND collimator database codes
``SY-LEHR`` and ``SY-ME``; Ljungberg & Strand, Comput Methods Programs Biomed 1989;29:257). This
module keeps the simulator's own formulas (effective length, resolution, efficiency).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hepar.errors import InvalidValueError
from hepar.physics import HEXAGONAL_HOLE_K as _HEX_K
from hepar.physics import LEHR as _LEHR_SPEC
from hepar.physics import MEDIUM_ENERGY as _ME_SPEC
from hepar.physics import CollimatorSpec

from ._materials import lead_mu_per_mm

__all__ = ["HEXAGONAL_HOLE_K", "LEHR", "MEDIUM_ENERGY", "Collimator", "collimator_for"]

#: Shape constant K of the geometric efficiency for hexagonal holes in a hexagonal array
#: (Cherry, Sorenson & Phelps, 4th ed., ch. 14).
HEXAGONAL_HOLE_K = _HEX_K


@dataclass(frozen=True)
class Collimator:
    """A parallel-hole collimator described by its geometry.

    Parameters
    ----------
    name
        Short name (``"LEHR"``, ``"ME"``).
    hole_diameter_mm
        Hole diameter ``d`` (across flats for hexagonal holes).
    septal_thickness_mm
        Septal thickness ``t``.
    hole_length_mm
        Hole length ``l``.
    shape_constant
        ``K`` of the efficiency formula.
    source
        Where the dimensions come from.

    Examples
    --------
    >>> round(MEDIUM_ENERGY.geometric_fwhm_mm(100.0, energy_kev=80.6), 2)
    10.31
    """

    name: str
    hole_diameter_mm: float
    septal_thickness_mm: float
    hole_length_mm: float
    shape_constant: float = HEXAGONAL_HOLE_K
    source: str = ""

    def __post_init__(self) -> None:
        for field in ("hole_diameter_mm", "septal_thickness_mm", "hole_length_mm",
                      "shape_constant"):
            value = getattr(self, field)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValueError(
                    field=f"collimator {self.name!r}.{field}", value=value,
                    expected="a positive number",
                )

    def effective_length_mm(self, energy_kev: float) -> float:
        """:math:`l_e = l - 2/\\mu_{Pb}(E)` in mm."""
        length = self.hole_length_mm - 2.0 / lead_mu_per_mm(energy_kev)
        if length <= self.hole_diameter_mm:
            raise InvalidValueError(
                field="energy_kev", value=energy_kev,
                expected=f"an energy the {self.name} collimator's septa stop "
                f"(effective length {length:.2f} mm is no longer than a hole)",
            )
        return length

    def geometric_fwhm_mm(self, distance_mm: float, *, energy_kev: float) -> float:
        """Geometric resolution (FWHM, mm) at ``distance_mm`` from the collimator face."""
        if distance_mm < 0:
            raise InvalidValueError(
                field="distance_mm", value=distance_mm, expected="a distance >= 0 mm"
            )
        length = self.effective_length_mm(energy_kev)
        return self.hole_diameter_mm * (length + distance_mm) / length

    def geometric_efficiency(self, energy_kev: float) -> float:
        """Fraction of photons emitted (isotropically) that pass through the holes."""
        d, t = self.hole_diameter_mm, self.septal_thickness_mm
        length = self.effective_length_mm(energy_kev)
        return self.shape_constant**2 * (d / length) ** 2 * d**2 / (d + t) ** 2




def _from_spec(spec: CollimatorSpec) -> Collimator:
    return Collimator(
        spec.name, hole_diameter_mm=spec.hole_diameter_mm,
        septal_thickness_mm=spec.septal_thickness_mm, hole_length_mm=spec.hole_length_mm,
        shape_constant=spec.shape_constant, source=spec.source,
    )


#: Siemens Symbia low-energy high-resolution collimator (99mTc).
LEHR = _from_spec(_LEHR_SPEC)
#: Siemens Symbia medium-energy collimator (166Ho, 177Lu).
MEDIUM_ENERGY = _from_spec(_ME_SPEC)

_BY_NUCLIDE = {"Tc-99m": LEHR, "Ho-166": MEDIUM_ENERGY, "Lu-177": MEDIUM_ENERGY}


def collimator_for(nuclide_name: str) -> Collimator:
    """The collimator used clinically for a nuclide: LEHR for 99mTc, ME for 166Ho and 177Lu.

    Examples
    --------
    >>> collimator_for("Ho-166").name, collimator_for("Tc-99m").name
    ('ME', 'LEHR')
    """
    try:
        return _BY_NUCLIDE[nuclide_name]
    except KeyError:
        raise InvalidValueError(
            field="nuclide", value=nuclide_name, expected=f"one of {sorted(_BY_NUCLIDE)}"
        ) from None

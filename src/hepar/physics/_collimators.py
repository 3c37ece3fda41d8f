"""Gamma-camera hardware as data: parallel-hole collimators and the detector behind them.

Both the acquisition simulator (:mod:`hepar.phantoms`) and the reconstruction
(:mod:`hepar.spect`) read these records, so neither copies the other's numbers (issue 15).
The derived quantities are the textbook geometric formulas (Cherry, Sorenson & Phelps,
*Physics in Nuclear Medicine*, 4th ed., 2012, ch. 14, section B):

* effective hole length :math:`l_e = l - 2/\\mu_{Pb}(E)` (septal penetration at the hole ends),
* geometric resolution (FWHM) at distance :math:`b` from the face :math:`R_g = d\\,(l_e + b)/l_e`,
* system resolution :math:`R_s = \\sqrt{R_g^2 + R_i^2}` with the intrinsic resolution
  :math:`R_i(E) = R_i(140\\,\\mathrm{keV})\\sqrt{140/E}` (Anger-camera counting statistics).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hepar.errors import InvalidValueError

from ._attenuation import DetectorMaterial, detector_attenuation_per_cm
from ._constants import MM_PER_CM

__all__ = [
    "COLLIMATORS",
    "HEXAGONAL_HOLE_K",
    "LEHR",
    "MEDIUM_ENERGY",
    "MEGP",
    "MELP",
    "SYMBIA_DETECTOR",
    "CollimatorSpec",
    "DetectorSpec",
    "collimator_spec",
]

#: Shape constant K of the geometric efficiency for hexagonal holes in a hexagonal array
#: (Cherry, Sorenson & Phelps, 4th ed., ch. 14).
HEXAGONAL_HOLE_K = 0.26
#: Reference energy of detector specifications (99mTc), keV.
_REFERENCE_KEV = 140.0


@dataclass(frozen=True)
class CollimatorSpec:
    """Geometry of a parallel-hole collimator (hexagonal holes).

    Parameters
    ----------
    name
        Short name (``"LEHR"``, ``"ME"``, ``"MELP"``, ``"MEGP"``).
    hole_diameter_mm, septal_thickness_mm, hole_length_mm
        Hole diameter ``d`` (across flats), septal thickness ``t``, hole length ``l``.
    shape_constant
        ``K`` of the geometric efficiency.
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
        for name in ("hole_diameter_mm", "septal_thickness_mm", "hole_length_mm",
                     "shape_constant"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValueError(
                    field=f"collimator {self.name!r}.{name}", value=value,
                    expected="a positive number",
                )

    def effective_length_mm(self, energy_kev: float) -> float:
        """:math:`l_e = l - 2/\\mu_{Pb}(E)` in mm."""
        mu_per_cm = float(detector_attenuation_per_cm(DetectorMaterial.LEAD, energy_kev))
        mu_per_mm = mu_per_cm / MM_PER_CM
        length = self.hole_length_mm - 2.0 / mu_per_mm
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
        """Fraction of isotropically emitted photons that pass the holes,
        :math:`g = K^2 (d/l_e)^2\\, d^2/(d + t)^2` (Cherry, Sorenson & Phelps, 4th ed., ch. 14)."""
        d, t = self.hole_diameter_mm, self.septal_thickness_mm
        length = self.effective_length_mm(energy_kev)
        return self.shape_constant**2 * (d / length) ** 2 * d**2 / (d + t) ** 2


@dataclass(frozen=True)
class DetectorSpec:
    """The scintillation detector behind the collimator.

    Parameters
    ----------
    name
        Camera model.
    intrinsic_fwhm_mm_at_140kev
        Intrinsic spatial resolution (FWHM) at 140 keV.
    energy_resolution_pct_at_140kev
        Energy resolution (FWHM, % of the energy) at 140 keV.
    crystal_thickness_mm
        NaI(Tl) crystal thickness.
    source
        Where the numbers come from.

    Examples
    --------
    >>> round(SYMBIA_DETECTOR.intrinsic_fwhm_mm(80.6), 2)
    5.01
    """

    name: str
    intrinsic_fwhm_mm_at_140kev: float
    energy_resolution_pct_at_140kev: float
    crystal_thickness_mm: float
    source: str = ""

    def intrinsic_fwhm_mm(self, energy_kev: float) -> float:
        """Intrinsic resolution at ``energy_kev``: scales as :math:`1/\\sqrt{E}`."""
        return self.intrinsic_fwhm_mm_at_140kev * math.sqrt(_REFERENCE_KEV / energy_kev)


#: Siemens Symbia low-energy high-resolution collimator (99mTc).
LEHR = CollimatorSpec(
    "LEHR", hole_diameter_mm=1.11, septal_thickness_mm=0.16, hole_length_mm=24.05,
    source="Siemens Symbia LEHR; SIMIND collimator database code SY-LEHR",
)
#: Siemens Symbia medium-energy collimator (166Ho, 177Lu).
MEDIUM_ENERGY = CollimatorSpec(
    "ME", hole_diameter_mm=2.94, septal_thickness_mm=1.14, hole_length_mm=40.64,
    source="Siemens Symbia ME; SIMIND collimator database code SY-ME",
)
#: Siemens "medium energy low penetration": Siemens' product name of its ME collimator; the
#: same geometry as :data:`MEDIUM_ENERGY` (SIMIND SY-ME). No Siemens datasheet with the MELP
#: sensitivity and system resolution at 10 cm could be reached (issue 14), so the model of the
#: ME collimators has no vendor check (the LEHR one has: tests/phantoms); a site replaces these
#: dimensions with its own sheet's.
MELP = CollimatorSpec(
    "MELP", hole_diameter_mm=2.94, septal_thickness_mm=1.14, hole_length_mm=40.64,
    source="Siemens Symbia MELP (= SIMIND SY-ME geometry); no vendor sheet reached",
)
#: GE medium-energy general-purpose collimator (Infinia / Discovery NM 670): 3.0 mm hexagonal
#: holes, 1.05 mm septa, 58 mm long, the dimensions of the GE NM670 head model of OpenGATE
#: (``opengate/contrib/spect/ge_discovery_nm670.py``, docstring of ``add_spect_head``: "megp:
#: holes length 58 mm, diam 3 mm, septal thickness: 1.05 mm"). No GE datasheet with the MEGP
#: sensitivity and resolution at 10 cm could be reached (issue 14).
MEGP = CollimatorSpec(
    "MEGP", hole_diameter_mm=3.0, septal_thickness_mm=1.05, hole_length_mm=58.0,
    source="GE MEGP; dimensions of OpenGATE's GE Discovery NM670 model; no vendor sheet reached",
)
#: Every collimator by name.
COLLIMATORS: dict[str, CollimatorSpec] = {c.name: c for c in (LEHR, MEDIUM_ENERGY, MELP, MEGP)}

#: Siemens Symbia T-class detector: 3/8-inch (9.525 mm) NaI(Tl), intrinsic resolution 3.8 mm
#: FWHM and energy resolution 9.9 % FWHM at 140 keV (vendor performance specification, NEMA
#: NU 1).
SYMBIA_DETECTOR = DetectorSpec(
    "Siemens Symbia T", intrinsic_fwhm_mm_at_140kev=3.8, energy_resolution_pct_at_140kev=9.9,
    crystal_thickness_mm=9.525, source="Siemens Symbia T performance specification (NEMA NU 1)",
)


def collimator_spec(name: str) -> CollimatorSpec:
    """The collimator called ``name`` (case-insensitive).

    Examples
    --------
    >>> collimator_spec("me").hole_length_mm
    40.64
    """
    for key, spec in COLLIMATORS.items():
        if key.lower() == str(name).strip().lower():
            return spec
    raise InvalidValueError(field="collimator", value=name,
                            expected=f"one of {sorted(COLLIMATORS)}")

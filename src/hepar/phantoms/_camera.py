"""The gamma camera of the simulator: detector resolution, efficiency, energy windows, dead time.

Defaults describe a dual-head Siemens Symbia T-class camera with a 3/8-inch (9.5 mm) NaI(Tl)
crystal: intrinsic resolution 3.8 mm FWHM and energy resolution 9.9 % FWHM at 140 keV (vendor
performance specification, NEMA NU 1). Energy dependence follows Anger-camera counting
statistics (Cherry, Sorenson & Phelps, *Physics in Nuclear Medicine*, 4th ed., ch. 13-14):
intrinsic resolution and relative energy resolution both scale as :math:`1/\\sqrt{E}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtr

from hepar.errors import InvalidValueError
from hepar.physics import (
    BQ_PER_MBQ,
    HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ,
    HO166_DEAD_TIME_S,
    MAX_ATTENUATION_ENERGY_KEV,
    MIN_ATTENUATION_ENERGY_KEV,
    PhotonLine,
    nuclide,
)
from hepar.spect._projections import EnergyWindow

from ._collimator import MEDIUM_ENERGY, Collimator
from ._materials import nai_mu_per_mm

__all__ = [
    "DEAD_TIME_RATE_HO166_CPS_PER_MBQ",
    "DEAD_TIME_S",
    "Camera",
    "line_window_fraction",
]

#: Paralysable dead-time model of a dual-head camera imaging 166Ho, :math:`C = \\alpha A
#: e^{-\\tau\\alpha A}`, alpha in cps/MBq and tau in s: the defaults of hepar.physics, tau fitted
#: to the 20 % loss at 0.7 GBq of Stella et al., EJNMMI Phys 2021;8:22 (see
#: hepar.physics._dead_time). System dependent: parameters of :class:`Camera`.
DEAD_TIME_RATE_HO166_CPS_PER_MBQ = HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ
DEAD_TIME_S = HO166_DEAD_TIME_S
#: Energy of the reference for the intrinsic and energy resolution specifications.
_REFERENCE_KEV = 140.0
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def line_window_fraction(energy_kev: float, window: EnergyWindow, fwhm_kev: float) -> float:
    """Fraction of full-energy events of a line measured inside ``window`` (Gaussian response).

    Examples
    --------
    >>> w = EnergyWindow.centred("Tc", centre_kev=140.0, width_pct=20.0)
    >>> round(line_window_fraction(140.0, w, 13.86), 3)
    0.983
    """
    sigma = fwhm_kev / _FWHM_PER_SIGMA
    return float(ndtr((window.upper_kev - energy_kev) / sigma)
                 - ndtr((window.lower_kev - energy_kev) / sigma))


@dataclass(frozen=True)
class Camera:
    """A multi-head SPECT gamma camera with parallel-hole collimators.

    Parameters
    ----------
    collimator
        The collimator on every head.
    n_heads
        Number of detector heads, equally spaced around the patient.
    matrix
        Detector pixels per side (square matrix).
    pixel_mm
        Detector pixel size in mm.
    intrinsic_fwhm_mm_at_140kev
        Intrinsic spatial resolution of the detector at 140 keV.
    energy_resolution_pct_at_140kev
        Energy resolution (FWHM, % of the energy) at 140 keV.
    crystal_thickness_mm
        NaI(Tl) crystal thickness.
    dead_time_s, dead_time_rate_ho166_cps_per_mbq
        Paralysable dead-time model per head, :math:`C = R e^{-\\tau R}` with input rate
        :math:`R = \\alpha A`; alpha is given for 166Ho and scaled for other nuclides by their
        collimated, crystal-absorbed photon yield (:meth:`dead_time_rate_cps_per_mbq`).

    Examples
    --------
    >>> cam = Camera()
    >>> round(cam.intrinsic_fwhm_mm(80.6), 2), round(cam.energy_fwhm_kev(80.6), 2)
    (5.01, 10.52)
    """

    collimator: Collimator = MEDIUM_ENERGY
    n_heads: int = 2
    matrix: int = 128
    pixel_mm: float = 4.8
    intrinsic_fwhm_mm_at_140kev: float = 3.8
    energy_resolution_pct_at_140kev: float = 9.9
    crystal_thickness_mm: float = 9.525
    dead_time_s: float = DEAD_TIME_S
    dead_time_rate_ho166_cps_per_mbq: float = DEAD_TIME_RATE_HO166_CPS_PER_MBQ

    def __post_init__(self) -> None:
        if self.n_heads not in (1, 2, 3, 4):
            raise InvalidValueError(field="n_heads", value=self.n_heads, expected="1 to 4 heads")
        if self.matrix < 4 or self.matrix % 2:
            raise InvalidValueError(
                field="matrix", value=self.matrix, expected="an even number of pixels >= 4"
            )
        for name in ("pixel_mm", "intrinsic_fwhm_mm_at_140kev", "energy_resolution_pct_at_140kev",
                     "crystal_thickness_mm"):
            if not getattr(self, name) > 0:
                raise InvalidValueError(
                    field=name, value=getattr(self, name), expected="a positive number"
                )
        if self.dead_time_s < 0 or self.dead_time_rate_ho166_cps_per_mbq < 0:
            raise InvalidValueError(
                field="dead_time", value=(self.dead_time_s, self.dead_time_rate_ho166_cps_per_mbq),
                expected="non-negative tau and alpha",
            )

    # -- detector ----------------------------------------------------------------------------
    @property
    def field_of_view_mm(self) -> float:
        """Side of the (square) detector field of view in mm."""
        return self.matrix * self.pixel_mm

    def intrinsic_fwhm_mm(self, energy_kev: float) -> float:
        """Intrinsic spatial resolution (FWHM, mm) at ``energy_kev``: scales as 1/sqrt(E)."""
        return self.intrinsic_fwhm_mm_at_140kev * math.sqrt(_REFERENCE_KEV / energy_kev)

    def energy_fwhm_kev(self, energy_kev: float) -> float:
        """Energy resolution (FWHM, keV) at ``energy_kev``: relative width scales as 1/sqrt(E)."""
        relative = self.energy_resolution_pct_at_140kev / 100.0
        return relative * _REFERENCE_KEV * math.sqrt(energy_kev / _REFERENCE_KEV)

    def system_fwhm_mm(self, distance_mm: float, *, energy_kev: float) -> float:
        """System resolution :math:`\\sqrt{R_g^2 + R_i^2}` at ``distance_mm`` from the face."""
        geometric = self.collimator.geometric_fwhm_mm(distance_mm, energy_kev=energy_kev)
        return math.hypot(geometric, self.intrinsic_fwhm_mm(energy_kev))

    def crystal_efficiency(self, energy_kev: float) -> float:
        """Probability that a photon reaching the crystal interacts in it: ``1 - exp(-mu h)``.

        For the energies imaged here (<= 210 keV) nearly every interaction in a 9.5 mm NaI
        crystal ends in full absorption, so this stands for the photopeak efficiency.
        """
        return -math.expm1(-nai_mu_per_mm(energy_kev) * self.crystal_thickness_mm)

    def window_fraction(self, energy_kev: float, window: EnergyWindow) -> float:
        """Fraction of full-energy events at ``energy_kev`` measured in ``window``."""
        return line_window_fraction(energy_kev, window, self.energy_fwhm_kev(energy_kev))

    # -- count rates ---------------------------------------------------------------------------
    def detected_per_decay(self, line: PhotonLine) -> float:
        """Full-energy events per decay of one photon line, for a source in air (one head)."""
        energy = line.energy_kev
        return (line.abundance * self.collimator.geometric_efficiency(energy)
                * self.crystal_efficiency(energy))

    def line_sensitivity_cps_per_mbq(self, line: PhotonLine, window: EnergyWindow) -> float:
        """Primary count rate per MBq of one photon line in ``window`` (one head, in air)."""
        return (BQ_PER_MBQ * self.detected_per_decay(line)
                * self.window_fraction(line.energy_kev, window))

    def system_sensitivity_cps_per_mbq(self, nuclide_name: str, window: EnergyWindow) -> float:
        """Primary (unscattered) count rate per MBq in ``window`` for a source in air, one head.

        .. math:: S_w = 10^6 \\sum_\\ell y_\\ell\\, g(E_\\ell)\\, \\varepsilon(E_\\ell)\\,
                  f_w(E_\\ell)

        with the photon yield y (ICRP 107), collimator efficiency g, crystal efficiency
        epsilon and the window fraction f of the Gaussian energy response.

        Examples
        --------
        >>> from hepar.phantoms import LEHR
        >>> w = EnergyWindow.centred("Tc", centre_kev=140.0, width_pct=20.0)
        >>> round(Camera(collimator=LEHR).system_sensitivity_cps_per_mbq("Tc-99m", w))
        94
        """
        total = 0.0
        for line in nuclide(nuclide_name).photons:
            if MIN_ATTENUATION_ENERGY_KEV <= line.energy_kev <= MAX_ATTENUATION_ENERGY_KEV:
                total += self.line_sensitivity_cps_per_mbq(line, window)
        return total

    def dead_time_rate_cps_per_mbq(self, nuclide_name: str) -> float:
        """Input count rate alpha per MBq of the dead-time model for ``nuclide_name``.

        166Ho uses the published alpha; another nuclide gets alpha scaled by the ratio of its
        collimated, crystal-absorbed photons per decay (20-600 keV) to that of 166Ho.
        """
        if nuclide(nuclide_name).name == "Ho-166":
            return self.dead_time_rate_ho166_cps_per_mbq

        def yield_(name: str) -> float:
            return sum(self.detected_per_decay(p) for p in nuclide(name).photons
                       if MIN_ATTENUATION_ENERGY_KEV <= p.energy_kev
                       <= MAX_ATTENUATION_ENERGY_KEV)

        return self.dead_time_rate_ho166_cps_per_mbq * yield_(nuclide_name) / yield_("Ho-166")

"""Window-based estimates of scatter, downscatter and crosstalk counts in a photopeak window.

All estimates are projections (view, row, column) that enter the forward model as the additive
term of OSEM; they are never subtracted from the data.

* Triple-energy window (TEW; Ogawa et al., IEEE Trans Med Imaging 1991;10:408): the scatter
  spectrum under the photopeak is a trapezoid between the count densities of two narrow
  windows beside it, :math:`S = (C_l/W_l + C_u/W_u)\\,W_p/2`. With one side window only it is
  the dual-energy (triangle) form with the other density taken as zero. Used for 177Lu at
  208 keV, where it also removes the smooth 166Ho continuum (its high-energy photons and
  bremsstrahlung) from the window in a dual-isotope scan.
* 166Ho upper window: the 81 keV photopeak's background from downscatter of the 1.38/1.58 MeV
  photons and bremsstrahlung is proportional to the counts in the 118 keV window, which holds no
  166Ho photopeak, :math:`S = k\\,C_{118}` (window-based downscatter estimate; de Wit et al.,
  Phys Med Biol 2006;51:4773 combined a window-based downscatter estimate with model-based
  scatter; Elschot et al., Med Phys 2013;40:112502 model it by Monte Carlo instead). ``k`` is the
  ratio of background counts in the two windows, measured on a source in air
  (:func:`~hepar.spect.calibrate_camera`) from the detector area far from the source, where
  only the spatially broad background remains.
* Smoothing: window estimates are noisy; they are smoothed per view with a Gaussian before use
  (the background and scatter they model are spatially broad).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter

from hepar.errors import InvalidValueError

from ._projections import EnergyWindow

__all__ = ["smooth_views", "tew_estimate", "upper_window_estimate"]

#: Gaussian FWHM (mm) used to smooth window-based estimates before they enter the model.
ESTIMATE_SMOOTHING_FWHM_MM = 30.0
_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


def tew_estimate(
    peak: EnergyWindow,
    lower: tuple[NDArray[np.floating], EnergyWindow] | None,
    upper: tuple[NDArray[np.floating], EnergyWindow] | None,
) -> NDArray[np.float64]:
    """Triple-energy-window scatter estimate in ``peak`` from its side windows' counts.

    Examples
    --------
    >>> p = EnergyWindow("p", 187.0, 229.0)
    >>> lo, up = EnergyWindow("l", 166.0, 187.0), EnergyWindow("u", 229.0, 250.0)
    >>> float(tew_estimate(p, (np.array([21.0]), lo), (np.array([42.0]), up))[0])
    63.0
    """
    parts = [np.asarray(pair[0], float) / pair[1].width_kev
             for pair in (lower, upper) if pair is not None]
    if not parts:
        raise InvalidValueError(field="scatter windows", value=None,
                                expected=f"at least one window beside {peak.name!r}")
    density = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    return np.asarray(density * peak.width_kev / 2.0)


def upper_window_estimate(upper_counts: NDArray[np.floating], ratio: float) -> NDArray[np.float64]:
    """166Ho downscatter/bremsstrahlung in the 81 keV window: ``ratio`` x 118 keV counts."""
    return np.asarray(np.asarray(upper_counts, float) * ratio)


def smooth_views(images: NDArray[np.floating], pixel_mm: tuple[float, float],
                 fwhm_mm: float = ESTIMATE_SMOOTHING_FWHM_MM) -> NDArray[np.float64]:
    """Smooth each (row, column) view with a Gaussian of ``fwhm_mm`` (counts are conserved
    up to the detector edge)."""
    sigma = (0.0, fwhm_mm / _FWHM_PER_SIGMA / pixel_mm[0], fwhm_mm / _FWHM_PER_SIGMA / pixel_mm[1])
    return np.asarray(gaussian_filter(np.asarray(images, float), sigma, mode="nearest"))

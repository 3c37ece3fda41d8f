"""Dual-isotope crosstalk between 166Ho and 177Lu: a window-ratio method.

No published correction for 166Ho/177Lu crosstalk exists (REFERENCE.md); this is hepar's own
method, and its assumptions are stated here.

In a dual-isotope scan the 166Ho 81 keV photopeak window holds, besides 166Ho primaries and
scatter, 177Lu photons (113 keV photons and 208 keV photons scattered down); the 118 keV window
holds the 166Ho continuum *and* 177Lu's 113 keV photopeak. The 177Lu 208 keV window holds 177Lu
and a little 166Ho continuum. With ratios measured on single-isotope acquisitions
(:func:`~hepar.spect.calibrate_camera`):

* :math:`r_{L,w}` = 177Lu counts in window :math:`w` per 177Lu count in the 208 keV window,
* :math:`r_{H,208}` = 166Ho counts in the 208 keV window per 166Ho count in the 118 keV window,

the measured 118 and 208 keV counts of each pixel are

.. math:: M_{118} = H_{118} + r_{L,118} L_{208}, \\qquad M_{208} = L_{208} + r_{H,208} H_{118}

which gives :math:`L_{208} = (M_{208} - r_{H,208} M_{118}) / (1 - r_{H,208} r_{L,118})` and
:math:`H_{118} = M_{118} - r_{L,118} L_{208}`. The additive term of the 81 keV window is then
:math:`k H_{118} + r_{L,81} L_{208}` (166Ho continuum plus 177Lu crosstalk).

Assumptions: (1) the ratios measured on the calibration acquisition hold in the patient: they
depend on the scatter medium, so calibrate with a phantom of patient size, not a source in air;
(2) the spatial distribution of 177Lu's crosstalk in a window is that of its 208 keV counts,
smoothed (:data:`~hepar.spect._scatter.ESTIMATE_SMOOTHING_FWHM_MM`); (3) the windows do not
share events (a camera that sorts each event into one window only). The estimate is computed
per pixel on smoothed projections and clipped at zero.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["ho166_additive_estimate"]


def ho166_additive_estimate(
    m118: NDArray[np.floating],
    m208: NDArray[np.floating] | None,
    *,
    background_ratio: float,
    lu_81_per_208: float,
    lu_118_per_208: float,
    ho_208_per_118: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """166Ho continuum and 177Lu crosstalk in the 81 keV window, from smoothed 118/208 keV data.

    Returns ``(continuum, lu_crosstalk)``; without 208 keV data the crosstalk is zero.

    Examples
    --------
    >>> h, l = ho166_additive_estimate(np.array([110.0]), np.array([150.0]), background_ratio=1.0,
    ...                                lu_81_per_208=0.5, lu_118_per_208=0.1, ho_208_per_118=0.5)
    >>> round(float(h[0]), 6), round(float(l[0]), 6)
    (100.0, 50.0)
    """
    m118 = np.asarray(m118, float)
    if m208 is None:
        return np.clip(background_ratio * m118, 0.0, None), np.zeros_like(m118)
    m208 = np.asarray(m208, float)
    det = 1.0 - ho_208_per_118 * lu_118_per_208
    lu208 = np.clip((m208 - ho_208_per_118 * m118) / det, 0.0, None)
    ho118 = np.clip(m118 - lu_118_per_208 * lu208, 0.0, None)
    return background_ratio * ho118, lu_81_per_208 * lu208

"""Dual-isotope crosstalk between 166Ho and 177Lu: a window-ratio method.

No published correction for 166Ho/177Lu crosstalk exists (REFERENCE.md); this is hepar's own
method, and its assumptions are stated here.

In a dual-isotope scan the 166Ho 81 keV photopeak window holds, besides 166Ho primaries and
scatter, 177Lu photons (113 keV photons and 208 keV photons scattered down); the 118 keV window
holds the 166Ho continuum *and* 177Lu's 113 keV photopeak. The 177Lu 208 keV window holds 177Lu
and a little of the smooth 166Ho continuum, which the triple-energy-window estimate removes
together with 177Lu's own scatter: :math:`L = M_{208} - \\mathrm{TEW}` counts 177Lu primaries
only. With ratios measured on a single-isotope 177Lu acquisition recorded in all windows
(:func:`~hepar.spect.calibrate_camera`), :math:`r_w` = 177Lu counts in window :math:`w` per
TEW-net 177Lu count at 208 keV, the 166Ho continuum in the 118 keV window is
:math:`H_{118} = M_{118} - r_{118} L` and the additive term of the 81 keV window is

.. math:: s_{81} = k\\,H_{118} + r_{81}\\,L

(166Ho continuum plus 177Lu crosstalk). Using the TEW-net 208 keV counts as the 177Lu reference
keeps the system well conditioned: 166Ho's share of the 208 keV window is removed by TEW
instead of by a second ratio (with gross counts the two ratios multiply to about 0.85 and the
solution amplifies their errors about sevenfold).

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
    lu208_net: NDArray[np.floating] | None,
    *,
    background_ratio: float,
    lu_81_per_208: float,
    lu_118_per_208: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """166Ho continuum and 177Lu crosstalk in the 81 keV window, from smoothed 118 keV counts
    and TEW-net 208 keV counts.

    Returns ``(continuum, lu_crosstalk)``; without 208 keV data the crosstalk is zero.

    Examples
    --------
    >>> h, l = ho166_additive_estimate(np.array([110.0]), np.array([100.0]), background_ratio=1.0,
    ...                                lu_81_per_208=0.5, lu_118_per_208=0.1)
    >>> round(float(h[0]), 6), round(float(l[0]), 6)
    (100.0, 50.0)
    """
    m118 = np.asarray(m118, float)
    if lu208_net is None:
        return np.clip(background_ratio * m118, 0.0, None), np.zeros_like(m118)
    lu = np.clip(np.asarray(lu208_net, float), 0.0, None)
    ho118 = np.clip(m118 - lu_118_per_208 * lu, 0.0, None)
    return background_ratio * ho118, lu_81_per_208 * lu

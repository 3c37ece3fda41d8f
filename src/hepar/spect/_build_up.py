"""Fit the photopeak scatter build-up b on a phantom of known activity.

The reconstruction models the photopeak's own scattered photons by a linear build-up factor in
the attenuation term, :math:`e^{-\\tau}(1 + b\\,\\tau)` (:mod:`._projector`). ``b`` depends on
the window, the energy resolution and the collimator, so it is calibrated like the sensitivity:
a SPECT/CT of a phantom (e.g. a water cylinder) with a known activity is reconstructed with the
camera calibration, and ``b`` is the value for which the reconstructed total equals the known
activity (bisection; the total falls monotonically with b).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

from hepar.errors import InvalidValueError
from hepar.imaging import Volume
from hepar.physics import canonical_nuclide_name, decay_factor, nuclide

from ._calibration import CameraCalibration, build_up_key
from ._projections import Projections
from ._reconstruct import reconstruct

__all__ = ["calibrate_build_up"]

_B_MAX = 1.0
_TOLERANCE = 1e-3


def calibrate_build_up(
    acquisition: Projections,
    *,
    ct_hu: Volume,
    activity_mbq: float,
    reference_time: datetime,
    camera: CameraCalibration,
    isotope: str,
    iterations: int = 4,
    subsets: int = 8,
) -> CameraCalibration:
    """Return ``camera`` with the build-up b of ``isotope`` fitted on a phantom acquisition.

    Parameters
    ----------
    acquisition, ct_hu
        SPECT and CT of the phantom.
    activity_mbq, reference_time
        Its activity and when it was measured.
    camera
        Calibration with the isotope's sensitivity (source in air).
    isotope
        The phantom's nuclide.
    """
    iso = canonical_nuclide_name(isotope)
    if not (math.isfinite(activity_mbq) and activity_mbq > 0):
        raise InvalidValueError(field="activity_mbq", value=activity_mbq,
                                expected="a positive activity in MBq")
    truth = activity_mbq * decay_factor(reference_time, acquisition.acquisition_start,
                                        nuclide(iso).half_life_h)

    def total(b: float) -> float:
        return reconstruct(acquisition, ct_hu=ct_hu, isotope=iso, camera=camera,
                           iterations=iterations, subsets=subsets, collimator=camera.collimator,
                           build_up_per_mfp=b).total_activity_mbq

    lo, hi = 0.0, _B_MAX
    if total(lo) < truth:
        b = 0.0
    elif total(hi) > truth:
        raise InvalidValueError(field="build-up", value=f"> {_B_MAX}",
                                expected="a phantom whose reconstruction reaches its activity")
    else:
        while hi - lo > _TOLERANCE:
            mid = (lo + hi) / 2.0
            lo, hi = (mid, hi) if total(mid) > truth else (lo, mid)
        b = (lo + hi) / 2.0
    cross = dict(camera.crosstalk)
    cross[build_up_key(iso)] = b
    note = (f"{iso} photopeak build-up b = {b:.4f} per mean free path, fitted on a phantom of "
            f"{truth:.4g} MBq at {acquisition.acquisition_start.isoformat()}")
    return replace(camera, crosstalk=cross, notes=(*camera.notes, note))

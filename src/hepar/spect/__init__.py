"""Quantitative SPECT: typed projections, system model, OSEM and calibration.

* Records: :class:`Projections`, :class:`EnergyWindow` (``_projections``; the only module the
  acquisition simulator may import).
* System model: rotation-based projector with CT attenuation and the depth-dependent
  collimator-detector response (``_projector``), OSEM with an additive scatter/crosstalk term
  (``_osem``), window-based scatter and crosstalk estimates (``_scatter``, ``_crosstalk``).
* Calibration: :class:`CameraCalibration` from :func:`calibrate_camera` (source of known
  activity) and :func:`calibrate_build_up` (phantom SPECT/CT: photopeak scatter build-up).
* :func:`reconstruct`: projections + CT -> activity concentration (Bq/mL).
"""

from ._build_up import calibrate_build_up
from ._calibration import (
    CameraCalibration,
    WindowSensitivity,
    calibrate_camera,
    combine_calibrations,
)
from ._dead_time import DeadTimeCorrection, correct_dead_time
from ._geometry import MAX_COUNTS_OUTSIDE_CT, spect_geometry
from ._projections import EnergyWindow, Projections
from ._reconstruct import Reconstruction, reconstruct
from ._windows import IMAGING_LINE_KEV, IsotopeWindows, isotope_windows

__all__ = [
    "IMAGING_LINE_KEV",
    "MAX_COUNTS_OUTSIDE_CT",
    "CameraCalibration",
    "DeadTimeCorrection",
    "EnergyWindow",
    "IsotopeWindows",
    "Projections",
    "Reconstruction",
    "WindowSensitivity",
    "calibrate_build_up",
    "calibrate_camera",
    "combine_calibrations",
    "correct_dead_time",
    "isotope_windows",
    "reconstruct",
    "spect_geometry",
]

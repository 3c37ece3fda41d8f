"""A camera-calibration acquisition: a source of known activity, through the same simulator.

A physicist calibrates the camera's sensitivity with a source of known activity (measured in a
dose calibrator) imaged in air, e.g. the NEMA NU 1 planar-sensitivity set-up: a shallow dish of
about 10 cm diameter, 10 cm from the collimator face. Here that source goes through
:func:`~hepar.phantoms.simulate_acquisition` (its own ray model, scatter, 166Ho downscatter,
dead time, decay and Poisson noise), so a calibration made from it meets the same camera as the
patient scans; nothing of the reconstruction's model is used.

Two shapes:

* ``"dish"``: a water disc (100 mm diameter, one grid voxel thick) in air, centred on the
  rotation axis; planar (one view per head) by default.
* ``"cylinder"``: a water-filled cylinder (200 mm diameter, 200 mm long, the size of a
  Jaszczak phantom) in air, uniformly filled; usually acquired as SPECT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from hepar.errors import InvalidValueError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry
from hepar.physics import nuclide

from ._acquisition import (
    AcquisitionProtocol,
    SimulatedAcquisition,
    SimulationOptions,
    Source,
    simulate_acquisition,
)
from ._camera import Camera
from ._collimator import collimator_for
from ._patient import DUAL_ISOTOPE_WINDOWS
from ._presets import preset
from ._seeding import check_seed, deterministic_uid, stream

__all__ = [
    "CALIBRATION_SOURCE_ACTIVITY_MBQ",
    "CalibrationSource",
    "simulate_calibration_acquisition",
]

#: CT numbers of air and water (HU definition).
_AIR_HU, _WATER_HU = -1000.0, 0.0
#: Activity of a calibration source (166Ho or 177Lu) at its reference time (dose calibrator),
#: MBq: low enough that dead time costs under 3 % (paralysable model, hepar.physics
#: HO166_DEAD_TIME_*), high enough for about 10^6 166Ho photopeak counts in 5 minutes.
CALIBRATION_SOURCE_ACTIVITY_MBQ = 100.0
#: NEMA NU 1 planar sensitivity: dish about 10 cm across, 10 cm from the collimator face.
DISH_DIAMETER_MM = 100.0
DISH_DISTANCE_MM = 100.0
#: Jaszczak-size cylinder.
CYLINDER_DIAMETER_MM = 200.0
CYLINDER_LENGTH_MM = 200.0


@dataclass(frozen=True)
class CalibrationSource:
    """What was imaged: the nuclide, its shape and its activity at acquisition start."""

    nuclide: str
    shape: Literal["dish", "cylinder"]
    activity_mbq: float
    volume_ml: float


def _grid(spacing_mm: float, extent_mm: float, frame_uid: str) -> Volume:
    n = 2 * math.ceil(extent_mm / (2 * spacing_mm)) + 2
    origin = (-(n - 1) / 2 * spacing_mm,) * 3
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(spacing_mm,) * 3)
    return Volume(np.zeros((n, n, n), np.float32), affine, VolumeUnit.FRACTION, frame_uid)


def _source_mask(grid: Volume, shape: str) -> np.ndarray:
    n = grid.shape[0]
    spacing = grid.spacing_mm[0]
    coords = (np.arange(n) - (n - 1) / 2.0) * spacing
    z, y, x = np.meshgrid(coords, coords, coords, indexing="ij")
    if shape == "dish":  # in the axial plane nearest the centre, facing both heads at 0/180
        radius = DISH_DIAMETER_MM / 2.0
        mask = (np.hypot(x, z) <= radius) & (np.abs(y) <= spacing / 2.0 + 1e-9)
    else:
        radius = CYLINDER_DIAMETER_MM / 2.0
        mask = (np.hypot(x, y) <= radius) & (np.abs(z) <= CYLINDER_LENGTH_MM / 2.0)
    if not mask.any():
        raise InvalidValueError(field="shape", value=shape,
                                expected="a source larger than one voxel of the grid")
    return mask


def simulate_calibration_acquisition(
    nuclide_name: str,
    activity_mbq: float,
    *,
    acquisition_start: datetime,
    preset_name: str = "tiny",
    shape: Literal["dish", "cylinder"] = "dish",
    planar: bool | None = None,
    frame_duration_s: float = 300.0,
    seed: int = 0,
    options: SimulationOptions | None = None,
) -> tuple[SimulatedAcquisition, CalibrationSource]:
    """Simulate the acquisition of a calibration source of known activity.

    Parameters
    ----------
    nuclide_name
        ``"Ho-166"`` or ``"Lu-177"`` (the camera records all dual-isotope windows).
    activity_mbq
        Activity in the source at ``acquisition_start``.
    acquisition_start
        Timezone-aware start of the acquisition.
    preset_name
        Detector matrix, pixel size and simulation grid of ``tiny`` or ``clinical``.
    shape
        ``"dish"`` (NEMA planar set-up) or ``"cylinder"``.
    planar
        One view per head (a STATIC image) instead of a SPECT orbit; default: planar for the
        dish, SPECT for the cylinder.
    frame_duration_s
        Time per view (planar: the whole acquisition).
    seed
        Seed of the Poisson noise and of the frame of reference UID.
    options
        Simulator switches.

    Returns
    -------
    (SimulatedAcquisition, CalibrationSource)

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> acq, src = simulate_calibration_acquisition(
    ...     "Ho-166", 100.0, acquisition_start=datetime(2020, 1, 1, tzinfo=timezone.utc))
    >>> acq.projections.counts.shape[:2], round(acq.activity_in_fov_mbq["Ho-166"], 6)
    ((7, 2), 100.0)
    """
    check_seed(seed)
    name = nuclide(nuclide_name).name
    if not (math.isfinite(activity_mbq) and activity_mbq > 0):
        raise InvalidValueError(field="activity_mbq", value=activity_mbq,
                                expected="a positive activity in MBq")
    if shape not in ("dish", "cylinder"):
        raise InvalidValueError(field="shape", value=shape, expected="'dish' or 'cylinder'")
    p = preset(preset_name)
    planar = shape == "dish" if planar is None else planar
    frame_uid = deterministic_uid(seed, "frame", "calibration", name, shape)
    extent = (DISH_DIAMETER_MM if shape == "dish" else CYLINDER_DIAMETER_MM) + 4 * p.pixel_mm
    grid = _grid(p.grid_spacing_mm, extent, frame_uid)
    mask = _source_mask(grid, shape)
    hu = grid.with_array(np.where(mask, _WATER_HU, _AIR_HU), VolumeUnit.HU)
    activity = np.where(mask, activity_mbq / mask.sum(), 0.0)
    camera = Camera(collimator=collimator_for(name), matrix=p.detector_matrix,
                    pixel_mm=p.pixel_mm)
    radius = (DISH_DISTANCE_MM if shape == "dish"
              else CYLINDER_DIAMETER_MM / 2.0 + DISH_DISTANCE_MM / 4.0)
    protocol = AcquisitionProtocol(
        f"{name} calibration {shape}", DUAL_ISOTOPE_WINDOWS,
        n_views=camera.n_heads if planar else p.n_views, frame_duration_s=frame_duration_s,
        start_angle_deg=0.0, radius_mm=radius,
    )
    acquisition = simulate_acquisition(
        hu=hu, sources=[Source(name, activity)], camera=camera, protocol=protocol,
        acquisition_start=acquisition_start, rng=stream(seed, "noise", "calibration", name),
        options=options, isotope=name,
    )
    source = CalibrationSource(name, shape, float(activity_mbq),
                               float(mask.sum()) * grid.voxel_volume_ml)
    return acquisition, source

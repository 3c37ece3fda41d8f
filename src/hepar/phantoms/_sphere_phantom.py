"""A sphere phantom for recovery coefficients, simulated with a preset's camera.

Geometry: an elliptic water cylinder of 300 x 230 mm (the IEC NEMA body phantom's
cross-section), 200 mm long, with eight spheres of 10-60 mm (the IEC set, 10-37 mm, plus 46 and
60 mm, the largest lesions of the virtual cohort) on two rings of 70 mm radius, sphere-to-
background ratio 6 (the tumour-to-non-tumour-liver ratio of the virtual cohort is about 2-8),
1000 MBq of 166Ho in all, noiseless and without dead time (the coefficient is the resolution's
alone). The grid is the camera's whole field of view, so that the CT covers what the detector
sees (``hepar recon`` refuses counts whose line of sight misses it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from hepar.errors import InvalidValueError
from hepar.imaging import Volume

__all__ = ["PHANTOM_SPHERE_DIAMETERS_MM", "SPHERE_TO_BACKGROUND", "SpherePhantom",
           "simulate_sphere_phantom"]

#: IEC body phantom spheres (10, 13, 17, 22, 28, 37 mm) and two larger ones (46, 60 mm).
PHANTOM_SPHERE_DIAMETERS_MM = (10.0, 13.0, 17.0, 22.0, 28.0, 37.0, 46.0, 60.0)
_SEMI_AXES_MM = (150.0, 115.0)
_HALF_LENGTH_MM = 100.0
_RING_RADIUS_MM, _RING_Z_MM = 70.0, 50.0
_MARGIN_MM = 20.0
#: Sphere-to-background activity concentration ratio.
SPHERE_TO_BACKGROUND = 6.0
_PHANTOM_MBQ = 1000.0
_AIR_HU, _WATER_HU = -1000.0, 0.0
_FRAME_OF_REFERENCE = "2.25.166166166"


@dataclass(frozen=True)
class SpherePhantom:
    """The simulated phantom: its CT (HU), true activity per voxel (MBq), one boolean mask
    per sphere (:data:`PHANTOM_SPHERE_DIAMETERS_MM` order) and the simulated acquisition
    (:class:`hepar.phantoms.Acquisition`)."""

    hu: Volume
    activity_mbq: np.ndarray
    spheres: tuple[np.ndarray, ...]
    acquisition: Any


def _geometry(spacing_mm: float, n_voxels: int) -> tuple[Volume, np.ndarray, list[np.ndarray]]:
    from hepar.imaging import VolumeUnit, affine_from_geometry

    if n_voxels * spacing_mm < 2 * _SEMI_AXES_MM[0] + _MARGIN_MM:
        raise InvalidValueError(field="preset", value=f"{n_voxels} x {spacing_mm} mm",
                                expected="a field of view wider than the 300 mm phantom")
    n = n_voxels
    origin = tuple(-(n - 1) / 2 * spacing_mm for _ in range(3))
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(spacing_mm,) * 3)
    axes = [(np.arange(n) - (n - 1) / 2.0) * spacing_mm for _ in range(3)]
    z, y, x = np.meshgrid(*axes, indexing="ij")
    body = (((x / _SEMI_AXES_MM[0]) ** 2 + (y / _SEMI_AXES_MM[1]) ** 2 <= 1.0)
            & (np.abs(z) <= _HALF_LENGTH_MM))
    spheres = []
    for index, diameter in enumerate(PHANTOM_SPHERE_DIAMETERS_MM):
        angle = (index % 4) * math.pi / 2 + math.pi / 4
        centre = (_RING_RADIUS_MM * math.cos(angle), _RING_RADIUS_MM * math.sin(angle),
                  -_RING_Z_MM if index < 4 else _RING_Z_MM)
        spheres.append((x - centre[0]) ** 2 + (y - centre[1]) ** 2 + (z - centre[2]) ** 2
                       <= (diameter / 2.0) ** 2)
    hu = Volume(np.where(body, _WATER_HU, _AIR_HU).astype(np.float32), affine, VolumeUnit.HU,
                _FRAME_OF_REFERENCE)
    return hu, body, spheres


def simulate_sphere_phantom(preset_name: str) -> SpherePhantom:
    """Build the phantom (module docstring) on ``preset_name``'s simulation grid and simulate
    its 166Ho acquisition with that preset's camera, views and frame time."""
    from ._acquisition import AcquisitionProtocol, SimulationOptions, Source, simulate_acquisition
    from ._camera import Camera
    from ._collimator import collimator_for
    from ._patient import DUAL_ISOTOPE_WINDOWS
    from ._presets import preset

    p = preset(preset_name)
    hu, body, spheres = _geometry(p.grid_spacing_mm, p.detector_matrix * p.fine_factor)
    concentration = np.where(body, 1.0, 0.0)
    for sphere in spheres:
        concentration[sphere] = SPHERE_TO_BACKGROUND
    activity_mbq = concentration * (_PHANTOM_MBQ / concentration.sum())
    camera = Camera(collimator=collimator_for("Ho-166"), matrix=p.detector_matrix,
                    pixel_mm=p.pixel_mm)
    protocol = AcquisitionProtocol("166Ho sphere phantom", DUAL_ISOTOPE_WINDOWS, p.n_views,
                                   p.ho166_frame_s)
    acquisition = simulate_acquisition(
        hu=hu, sources=[Source("Ho-166", activity_mbq)], camera=camera, protocol=protocol,
        acquisition_start=datetime(2026, 1, 1, tzinfo=UTC), rng=np.random.default_rng(0),
        options=SimulationOptions(noise=False, dead_time=False), isotope="Ho-166")
    return SpherePhantom(hu, activity_mbq, tuple(spheres), acquisition)

"""Shared builders for the phantom tests: small grids and noise-free acquisitions."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from hepar.imaging import Volume, affine_from_geometry
from hepar.phantoms import (
    AcquisitionProtocol,
    Camera,
    SimulatedAcquisition,
    SimulationOptions,
    Source,
    simulate_acquisition,
)
from hepar.spect import EnergyWindow

START = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
#: Everything off but what a physics test switches on.
BARE = SimulationOptions(attenuation=False, collimator=False, scatter=False, background=False,
                         dead_time=False, decay=False, noise=False, workers=1)


def centred_grid(shape: tuple[int, int, int], spacing_mm: float) -> Volume:
    """An isotropic axial grid of air, centred on the origin (the rotation axis)."""
    nz, ny, nx = shape
    origin = (-(nx - 1) / 2 * spacing_mm, -(ny - 1) / 2 * spacing_mm, -(nz - 1) / 2 * spacing_mm)
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(spacing_mm,) * 3)
    return Volume(np.full(shape, -1000.0), affine, "HU", "1.2.826.0.1.3680043.8.498.1")


def coordinates(grid: Volume) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Voxel-centre z, y, x (mm) as broadcastable arrays."""
    nz, ny, nx = grid.shape
    s = grid.spacing_mm[0]
    ox, oy, oz = grid.origin_lps_mm
    return (oz + np.arange(nz)[:, None, None] * s, oy + np.arange(ny)[None, :, None] * s,
            ox + np.arange(nx)[None, None, :] * s)


def acquire(grid: Volume, sources: dict[str, np.ndarray], camera: Camera,
            window: EnergyWindow | tuple[EnergyWindow, ...], *, options: SimulationOptions = BARE,
            n_views: int = 120, radius_mm: float | None = 250.0, frame_s: float = 10.0,
            seed: int = 0) -> SimulatedAcquisition:
    windows = window if isinstance(window, tuple) else (window,)
    protocol = AcquisitionProtocol("test", windows, n_views=n_views, frame_duration_s=frame_s,
                                   radius_mm=radius_mm)
    return simulate_acquisition(
        hu=grid, sources=[Source(n, a) for n, a in sources.items()], camera=camera,
        protocol=protocol, acquisition_start=START, rng=np.random.default_rng(seed),
        options=options,
    )

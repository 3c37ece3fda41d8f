"""Shared builders for the phantom tests: small grids and noise-free acquisitions."""

from __future__ import annotations

import itertools
import math
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
from hepar.physics import MM_PER_CM
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


#: NIST X-ray mass attenuation coefficients of lead, cm^2/g (Hubbell & Seltzer, NISTIR 5632,
#: Z = 82, total with coherent scattering), in two runs either side of the K edge (88.0 keV):
#: 80 keV 2.419 and 88.0045 keV 1.910 below it; 100 keV 5.549, 150 keV 2.014, 200 keV 0.9985 and
#: 300 keV 0.4031 above it.
NIST_LEAD_BELOW_K_EDGE = ((80.0, 2.419), (88.0045, 1.910))
NIST_LEAD_ABOVE_K_EDGE = ((100.0, 5.549), (150.0, 2.014), (200.0, 0.9985), (300.0, 0.4031))
#: Density of lead, g/cm^3 (the value the simulator's collimator uses).
LEAD_DENSITY_G_PER_CM3 = 11.35


def nist_lead_mu_per_mm(energy_kev: float) -> float:
    """mu of lead at ``energy_kev`` from the NIST table, log-log between tabulated neighbours on
    the same side of the K edge: an attenuation coefficient that does not come from the library
    the simulator uses (xraydb)."""
    for run in (NIST_LEAD_BELOW_K_EDGE, NIST_LEAD_ABOVE_K_EDGE):
        for (e0, v0), (e1, v1) in itertools.pairwise(run):
            if e0 <= energy_kev <= e1:
                slope = math.log(v1 / v0) / math.log(e1 / e0)
                return v0 * (energy_kev / e0) ** slope * LEAD_DENSITY_G_PER_CM3 / MM_PER_CM
    raise ValueError(f"{energy_kev} keV: outside the tabulated intervals")

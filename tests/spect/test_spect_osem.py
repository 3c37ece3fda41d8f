"""OSEM invariants: non-negativity, and the model's own noiseless projections recovered."""

from __future__ import annotations

import numpy as np

from hepar.physics import MEDIUM_ENERGY, SYMBIA_DETECTOR
from hepar.spect._osem import osem, subset_views
from hepar.spect._projector import CollimatorResponse, RotationProjector

N, NZ, PIXEL_MM = 24, 10, 9.6
ANGLES = np.arange(32) * 11.25


def _setup(n_subsets: int) -> tuple[RotationProjector, list[list[int]]]:
    yy, xx = np.mgrid[:N, :N]
    c = (N - 1) / 2
    support = np.broadcast_to(np.hypot(xx - c, (yy - c) * 1.3) <= 10, (NZ, N, N)).copy()
    mu = np.where(support, 0.0183, 0.0).astype(np.float32)
    response = CollimatorResponse(MEDIUM_ENERGY.hole_diameter_mm,
                                  MEDIUM_ENERGY.effective_length_mm(80.6),
                                  SYMBIA_DETECTOR.intrinsic_fwhm_mm(80.6))
    views = subset_views(ANGLES, n_subsets)
    projector = RotationProjector(mu_per_mm=mu, support=support, angles_deg=ANGLES,
                                  radius_mm=np.full(ANGLES.size, 180.0),
                                  spacing_mm=(PIXEL_MM, PIXEL_MM), response=response,
                                  build_up_per_mfp=0.2, scatter_fwhm_mm=60.0, subsets=views)
    return projector, views


def _phantom(projector: RotationProjector) -> np.ndarray:
    volume = np.zeros(projector.shape, np.float32)
    volume[2:8, 8:16, 6:12] = 1.0  # a "liver"
    volume[4:6, 10:12, 14:16] = 6.0  # a hot "lesion"
    return projector.to_support(volume) * projector.mask


def test_subsets_interleave_by_angle() -> None:
    views = subset_views(ANGLES, 8)
    assert sorted(v for s in views for v in s) == list(range(ANGLES.size))
    assert all(len(s) == 4 for s in views)
    assert views[0] == [0, 8, 16, 24]


def test_noiseless_projection_of_the_own_model_is_recovered() -> None:
    """Sanity only (the accuracy figures come from the simulator): 30 x 4 OSEM of A x + s
    recovers the total to 1 % and every voxel of the hot region to 10 %."""
    projector, views = _setup(4)
    x_true = _phantom(projector)
    scale = [np.full(len(v), 50.0) for v in views]
    additive = [np.full((len(v), projector.nu, projector.nzr), 2.0, np.float32) for v in views]
    data = [projector.forward(x_true, m) * 50.0 + additive[m] for m in range(len(views))]
    x = osem(projector, data, additive, scale, iterations=30)
    assert abs(x.sum() / x_true.sum() - 1.0) < 0.01
    hot = x_true > 3
    np.testing.assert_allclose(x[hot], x_true[hot], rtol=0.10)


def test_osem_stays_non_negative_on_noisy_data_with_a_large_additive_term() -> None:
    """Multiplicative updates keep x >= 0 even where the additive estimate exceeds the data."""
    projector, views = _setup(8)
    x_true = _phantom(projector)
    rng = np.random.default_rng(3)
    scale = [np.full(len(v), 5.0) for v in views]
    additive = [np.full((len(v), projector.nu, projector.nzr), 4.0, np.float32) for v in views]
    data = [rng.poisson(projector.forward(x_true, m) * 5.0 + 2.0).astype(np.float32)
            for m in range(len(views))]
    calls: list[tuple[int, int]] = []
    x = osem(projector, data, additive, scale, iterations=4,
             progress=lambda done, total: calls.append((done, total)))
    assert np.all(np.isfinite(x)) and x.min() >= 0.0
    assert calls[-1] == (32, 32) and len(calls) == 32

"""Resampling and masks: conservation of volume and values, frame checks, mass."""

from __future__ import annotations

import numpy as np
import pytest

from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import (
    Mask,
    Volume,
    affine_from_geometry,
    mask_mass_g,
    resample_to,
)

FRAME = "1.2.826.0.1.3680043.2.2"


def grid(shape, spacing, origin=(0.0, 0.0, 0.0), unit="HU", values=None, frame=FRAME):
    array = np.zeros(shape) if values is None else values
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=spacing)
    return Volume(array, affine, unit, frame)


def sphere_mask(reference: Volume, centre_mm, radius_mm) -> Mask:
    k, j, i = np.indices(reference.shape)
    points = reference.world_mm(np.stack([k, j, i], axis=-1).reshape(-1, 3))
    inside = np.linalg.norm(points - np.asarray(centre_mm), axis=1) <= radius_mm
    return Mask.on_grid_of("sphere", reference, inside.reshape(reference.shape))


def test_identity_resampling_returns_the_same_values():
    values = np.random.default_rng(1).normal(size=(6, 7, 8))
    v = grid((6, 7, 8), (2.0, 1.0, 1.0), values=values)
    np.testing.assert_allclose(resample_to(v, v).array, values, atol=1e-12)


def test_linear_resampling_of_a_ramp_is_exact_at_any_grid():
    # Linear interpolation reproduces a linear function exactly (inside the source grid).
    fine = grid((20, 20, 20), (1.0, 1.0, 1.0))
    x = fine.world_mm(np.stack(np.indices(fine.shape), -1).reshape(-1, 3))[:, 0]
    ramp = fine.with_array((3.0 * x + 7.0).reshape(fine.shape))
    coarse = grid((6, 6, 6), (2.5, 2.5, 2.5), origin=(2.0, 2.0, 2.0))
    out = resample_to(ramp, coarse)
    xc = coarse.world_mm(np.stack(np.indices(coarse.shape), -1).reshape(-1, 3))[:, 0]
    np.testing.assert_allclose(out.array.ravel(), 3.0 * xc + 7.0, rtol=1e-9)


def test_translation_by_whole_voxels_moves_values():
    values = np.zeros((5, 5, 5))
    values[2, 2, 2] = 1.0
    src = grid((5, 5, 5), (1.0, 1.0, 1.0), values=values)
    shifted = grid((5, 5, 5), (1.0, 1.0, 1.0), origin=(1.0, 0.0, 0.0))  # +1 mm along x
    out = resample_to(src, shifted, method="nearest")
    assert out.array[2, 2, 1] == 1.0 and out.array.sum() == 1.0


def test_fractional_mask_resampling_conserves_volume():
    # Analytic volume of a sphere 4/3 pi r^3 = 33.51 mL for r = 20 mm. The 1 mm mask is within 1 %
    # of it (voxelisation); fractional resampling onto a 4.8 mm SPECT grid must keep the volume
    # within 2 % (supersampling 4^3 per voxel).
    fine = grid((60, 60, 60), (1.0, 1.0, 1.0))
    sphere = sphere_mask(fine, (30.0, 30.0, 30.0), 20.0)
    analytic_ml = 4.0 / 3.0 * np.pi * 20.0**3 / 1000.0
    assert sphere.volume_ml == pytest.approx(analytic_ml, rel=0.01)
    coarse = grid((13, 13, 13), (4.8, 4.8, 4.8))
    moved = resample_to(sphere, coarse, method="fractional")
    assert moved.volume_ml == pytest.approx(analytic_ml, rel=0.02)
    assert 0.0 <= moved.fraction.min() and moved.fraction.max() <= 1.0
    assert 0 < np.count_nonzero((moved.fraction > 0) & (moved.fraction < 1))


def test_nearest_mask_resampling_stays_binary():
    fine = grid((30, 30, 30), (1.0, 1.0, 1.0))
    sphere = sphere_mask(fine, (15.0, 15.0, 15.0), 8.0)
    out = resample_to(sphere, grid((10, 10, 10), (3.0, 3.0, 3.0)), method="nearest")
    assert set(np.unique(out.fraction)) <= {0.0, 1.0}


def test_resampling_across_frames_of_reference_is_refused():
    a = grid((3, 3, 3), (1.0, 1.0, 1.0))
    b = grid((3, 3, 3), (1.0, 1.0, 1.0), frame="1.2.3.4")
    with pytest.raises(GeometryError, match="frame_of_reference_uid"):
        resample_to(a, b)


def test_fractional_method_is_for_masks_only():
    a = grid((3, 3, 3), (1.0, 1.0, 1.0))
    with pytest.raises(InvalidValueError, match="method = 'fractional'"):
        resample_to(a, a, method="fractional")
    with pytest.raises(InvalidValueError, match="method = 'cubic'"):
        resample_to(a, a, method="cubic")


def test_mass_of_one_litre_of_liver_at_1_06_g_per_ml():
    # REFERENCE.md: tissue density 1.06 g/mL; 1000 mL -> 1060 g.
    ref = grid((10, 10, 10), (10.0, 10.0, 10.0))
    liver = Mask.on_grid_of("liver", ref, np.ones(ref.shape, dtype=bool))
    assert liver.volume_ml == pytest.approx(1000.0)
    assert mask_mass_g(liver, 1.06) == pytest.approx(1060.0)
    density = ref.with_array(np.full(ref.shape, 1.06), "g/mL")
    assert mask_mass_g(liver, density) == pytest.approx(1060.0)


def test_mass_with_a_density_map_on_another_grid_is_refused():
    ref = grid((4, 4, 4), (10.0, 10.0, 10.0))
    liver = Mask.on_grid_of("liver", ref, np.ones(ref.shape, dtype=bool))
    other = grid((5, 5, 5), (8.0, 8.0, 8.0), unit="g/mL", values=np.ones((5, 5, 5)))
    with pytest.raises(GeometryError, match="density_g_per_ml"):
        mask_mass_g(liver, other)


def test_mask_occupancy_outside_zero_to_one_is_refused():
    ref = grid((2, 2, 2), (1.0, 1.0, 1.0))
    with pytest.raises(InvalidValueError, match="mask 'bad'"):
        Mask.on_grid_of("bad", ref, np.full((2, 2, 2), 1.5))

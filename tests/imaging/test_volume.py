"""Volume geometry: derived spacing, voxel volume, index <-> world, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.errors import GeometryError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry


def make_volume(shape=(4, 5, 6), spacing=(3.0, 2.0, 1.5), origin=(-10.0, 20.0, 5.0), **kw):
    return Volume(np.zeros(shape), affine_from_geometry(origin_lps_mm=origin, spacing_mm=spacing,
                                                        **kw), "Bq/mL", "1.2.826.0.1.3680043.2.1")


def test_spacing_voxel_volume_and_origin_are_derived_from_the_affine():
    v = make_volume()
    assert v.spacing_mm == (3.0, 2.0, 1.5)
    assert v.voxel_volume_ml == pytest.approx(3.0 * 2.0 * 1.5 / 1000.0)
    np.testing.assert_allclose(v.origin_lps_mm, (-10.0, 20.0, 5.0))
    assert v.unit is VolumeUnit.BQ_PER_ML


def test_axial_volume_index_axes_follow_dicom_orientation():
    # Standard axial image: column index runs along +x (patient left), row index along +y
    # (posterior), slice index along +z (superior) - DICOM PS3.3 C.7.6.2.1.1.
    v = make_volume(origin=(0.0, 0.0, 0.0))
    np.testing.assert_allclose(v.world_mm((0, 0, 1)), (1.5, 0.0, 0.0))
    np.testing.assert_allclose(v.world_mm((0, 1, 0)), (0.0, 2.0, 0.0))
    np.testing.assert_allclose(v.world_mm((1, 0, 0)), (0.0, 0.0, 3.0))


@settings(max_examples=50, deadline=None)
@given(
    index=st.tuples(*(st.floats(-50, 50) for _ in range(3))),
    angle=st.floats(0, 2 * np.pi),
)
def test_world_and_index_are_inverse_for_any_rotation(index, angle):
    row = (np.cos(angle), np.sin(angle), 0.0)
    col = (-np.sin(angle), np.cos(angle), 0.0)
    v = make_volume(row_direction=row, column_direction=col)
    np.testing.assert_allclose(v.index_of(v.world_mm(index)), index, atol=1e-9)


def test_sheared_affine_is_refused_naming_the_affine():
    affine = affine_from_geometry(origin_lps_mm=(0, 0, 0), spacing_mm=(1, 1, 1))
    affine[0, 1] = 0.3  # shear: column axis not orthogonal to row axis
    with pytest.raises(GeometryError, match=r"affine .*orthogonal"):
        Volume(np.zeros((2, 2, 2)), affine, "HU", "1.2.3")


def test_unknown_unit_is_refused_naming_the_unit():
    with pytest.raises(UnitMismatchError, match="unit = 'mCi'"):
        Volume(np.zeros((2, 2, 2)), np.eye(4), "mCi", "1.2.3")


def test_two_dimensional_array_is_refused():
    with pytest.raises(InvalidValueError, match=r"array\.shape = \(2, 2\)"):
        Volume(np.zeros((2, 2)), np.eye(4), "HU", "1.2.3")


def test_require_unit_names_the_volume():
    with pytest.raises(UnitMismatchError, match=r"spect\.unit = 'HU': expected Bq/mL"):
        make_volume().with_array(np.zeros((4, 5, 6)), "HU").require_unit("Bq/mL", name="spect")


def test_with_array_keeps_geometry_and_checks_shape():
    v = make_volume()
    w = v.with_array(np.ones(v.shape), "Gy")
    assert w.same_grid(v) and w.unit is VolumeUnit.GY
    with pytest.raises(InvalidValueError, match=r"array\.shape"):
        v.with_array(np.ones((1, 1, 1)))

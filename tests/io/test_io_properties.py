"""Round trips as properties (hypothesis): any orientation and spacing, any acquisition arc."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from io_testdata import FRAME, assert_same_projections, make_projections

from hepar.imaging import Volume, affine_from_geometry
from hepar.io import (
    read_ct_series,
    read_nifti,
    read_nm_projections,
    read_rtdose,
    write_ct_series,
    write_nifti,
    write_nm_projections,
    write_rtdose,
)

spacing = st.floats(0.3, 6.0)
coordinate = st.floats(-500.0, 500.0)
angle = st.floats(-np.pi, np.pi)


def _volume(origin, spacings, yaw, pitch, unit, values=None):
    row = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    col = np.array([-np.sin(yaw) * np.cos(pitch), np.cos(yaw) * np.cos(pitch), np.sin(pitch)])
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=spacings, row_direction=row,
                                  column_direction=col)
    array = np.arange(3 * 4 * 5, dtype=float).reshape(3, 4, 5) if values is None else values
    return Volume(array, affine, unit, FRAME)


@settings(max_examples=15, deadline=None)
@given(st.tuples(coordinate, coordinate, coordinate), st.tuples(spacing, spacing, spacing),
       angle, angle)
def test_ct_and_rt_dose_geometry_survive_any_orientation(origin, spacings, yaw, pitch):
    volume = _volume(origin, spacings, yaw, pitch, "HU")
    with tempfile.TemporaryDirectory() as folder:
        write_ct_series(volume, Path(folder) / "ct")
        read = read_ct_series(Path(folder) / "ct")
        dose = read_rtdose(write_rtdose(volume.with_array(volume.array, "Gy"),
                                        Path(folder) / "dose.dcm"))
    for back in (read, dose):
        np.testing.assert_allclose(back.origin_lps_mm, volume.origin_lps_mm, atol=1e-3)
        np.testing.assert_allclose(back.spacing_mm, volume.spacing_mm, atol=1e-3)
        np.testing.assert_allclose(back.direction, volume.direction, atol=1e-9)
    np.testing.assert_array_equal(read.array, volume.array)
    np.testing.assert_allclose(dose.array, volume.array, atol=volume.array.max() / 2**32)


@settings(max_examples=25, deadline=None)
@given(st.tuples(coordinate, coordinate, coordinate), st.tuples(spacing, spacing, spacing),
       angle, angle)
def test_nifti_keeps_any_geometry_exactly(origin, spacings, yaw, pitch):
    volume = _volume(origin, spacings, yaw, pitch, "Bq/mL")
    with tempfile.TemporaryDirectory() as folder:
        read = read_nifti(write_nifti(volume, Path(folder) / "v.nii"))
    np.testing.assert_array_equal(read.affine, volume.affine)
    np.testing.assert_array_equal(read.array, volume.array)


@settings(max_examples=20, deadline=None)
@given(
    heads=st.integers(1, 3), views=st.integers(2, 8), step=st.sampled_from([-6.0, -3.0, 2.8, 4.0]),
    start=st.floats(0.0, 359.0), duration_ms=st.integers(1, 60000),
)
def test_projections_of_any_arc_round_trip(heads, views, step, start, duration_ms):
    offsets = [start + h * 360.0 / heads for h in range(heads)]
    angles = np.concatenate([(o + step * np.arange(views)) % 360 for o in offsets])
    counts = np.random.default_rng(heads * views).poisson(9.0, (2, heads * views, 3, 2))
    projections = make_projections(
        counts=counts.astype(float), angles=angles,
        detector_of_view=np.repeat(np.arange(1, heads + 1), views),
        radius_mm=None, frame_duration_s=duration_ms / 1000.0,
    )
    with tempfile.TemporaryDirectory() as folder:
        read = read_nm_projections(write_nm_projections(projections, Path(folder) / "nm.dcm"))
    assert_same_projections(read, projections)

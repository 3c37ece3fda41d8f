"""Regions: RTSTRUCT and DICOM SEG round trips, pydicom's real files, contour geometry."""

from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from io_testdata import FRAME, make_ct_volume, oblique_affine
from pydicom.data import get_testdata_file

from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import Mask, Volume, affine_from_geometry
from hepar.io import (
    read_ct_series,
    read_rtstruct,
    read_seg,
    write_ct_series,
    write_rtstruct,
    write_seg,
)
from hepar.io._contours import fill_polygons, mask_outlines


def _regions(grid):
    z, y, x = np.mgrid[: grid.shape[0], : grid.shape[1], : grid.shape[2]]
    liver = ((y - 5) ** 2 + (x - 6) ** 2 < 16) & (z > 0)
    lesion = ((y - 5) ** 2 + (x - 6) ** 2 < 3) & (z > 1) & (z < 4)
    corners = np.zeros(grid.shape, dtype=bool)  # two voxels touching only at a corner
    corners[2, 1, 1] = corners[2, 2, 2] = True
    return [Mask.on_grid_of("liver", grid, liver),
            Mask.on_grid_of("liver without lesion", grid, liver & ~lesion),
            Mask.on_grid_of("lesion 1", grid, lesion),
            Mask.on_grid_of("corners", grid, corners)]


# -- contour geometry -------------------------------------------------------------------------

def test_fill_counts_pixel_centres_inside_a_triangle():
    # Right triangle with legs 10 along rows and columns from (0, 0): centres (r, c) with
    # r >= 0, c >= 0, r + c < 10 (hypotenuse excluded by the half-open rule) -> 55 pixels.
    triangle = [(-0.0001, -0.0001), (10.0, -0.0001), (-0.0001, 10.0)]
    assert fill_polygons([triangle], (12, 12)).sum() == 55


def test_nested_contour_is_a_hole():
    outer = [(0.5, 0.5), (0.5, 5.5), (5.5, 5.5), (5.5, 0.5)]
    inner = [(1.5, 1.5), (1.5, 3.5), (3.5, 3.5), (3.5, 1.5)]
    mask = fill_polygons([outer, inner], (7, 7))
    assert mask.sum() == 25 - 4 and not mask[2, 2] and mask[1, 1]


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 9), st.integers(1, 9))))
def test_outlines_fill_back_to_the_same_mask(mask):
    assert np.array_equal(fill_polygons(mask_outlines(mask), mask.shape), mask)


# -- RTSTRUCT ---------------------------------------------------------------------------------

def test_rtstruct_round_trip_is_voxel_exact_and_references_the_ct(tmp_path):
    write_ct_series(make_ct_volume(), tmp_path / "ct")
    ct = read_ct_series(tmp_path / "ct")
    masks = _regions(ct)
    path = write_rtstruct(masks, tmp_path / "rs.dcm")
    read = read_rtstruct(path, ct)
    assert list(read) == [m.name for m in masks]
    for mask in masks:
        np.testing.assert_array_equal(read[mask.name].boolean, mask.boolean)
        assert read[mask.name].volume_ml == pytest.approx(mask.volume_ml, rel=1e-12)
    dataset = pydicom.dcmread(path)
    assert dataset.StudyInstanceUID == ct.metadata["study_instance_uid"]
    series = dataset.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0] \
        .RTReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == ct.metadata["series_instance_uid"]
    first = dataset.ROIContourSequence[0].ContourSequence[0]
    assert first.ContourGeometricType == "CLOSED_PLANAR"
    assert first.ContourImageSequence[0].ReferencedSOPInstanceUID in ct.metadata[
        "sop_instance_uids"]


def test_pydicom_rtstruct_fills_its_rectangles():
    # pydicom's rtstruct.dcm: ROI "patient" = 400 x 300 mm rectangles at z = -200, -190, -180
    # (x -200..200, y -150..150); two POINT ROIs (isocentres). On 10-mm slices of 5-mm pixels
    # the region is 3 slices x 80 x 60 pixels = 3 x 1200 cm^2 x 1 cm = 3600 mL.
    grid = Volume(np.zeros((3, 70, 90)), affine_from_geometry(
        origin_lps_mm=(-222.5, -172.5, -200.0), spacing_mm=(10.0, 5.0, 5.0)), "HU",
        "1.2.826.0.1.3680043.8.498.2010020400001.2")
    masks = read_rtstruct(get_testdata_file("rtstruct.dcm"), grid)
    assert list(masks) == ["patient"]
    assert masks["patient"].volume_ml == pytest.approx(3600.0)


def test_rtstruct_on_another_frame_of_reference_is_refused(tmp_path):
    grid = make_ct_volume()
    path = write_rtstruct(_regions(grid), tmp_path / "rs.dcm")
    other = Volume(grid.array, grid.affine, "HU", "2.25.1")
    with pytest.raises(GeometryError, match=r"rs.dcm: ReferencedFrameOfReferenceUID = "):
        read_rtstruct(path, other)
    with pytest.raises(InvalidValueError, match=r"names = \['spleen'\]"):
        read_rtstruct(path, grid, names=["spleen"])


def test_rtstruct_contours_read_onto_a_tilted_grid_are_refused(tmp_path):
    grid = make_ct_volume()
    path = write_rtstruct(_regions(grid)[:1], tmp_path / "rs.dcm")
    tilted = Volume(grid.array, affine_from_geometry(
        origin_lps_mm=grid.origin_lps_mm, spacing_mm=grid.spacing_mm,
        row_direction=(1, 0, 0), column_direction=(0, np.cos(0.4), np.sin(0.4))), "HU", FRAME)
    with pytest.raises(GeometryError, match=r"ContourData = .*planes parallel"):
        read_rtstruct(path, tilted)


def test_rtstruct_writer_refuses_duplicate_names(tmp_path):
    grid = make_ct_volume()
    liver = _regions(grid)[0]
    with pytest.raises(InvalidValueError, match=r"mask name = 'liver'"):
        write_rtstruct([liver, liver], tmp_path / "rs.dcm")


# -- SEG --------------------------------------------------------------------------------------

def test_seg_round_trip_is_voxel_exact(tmp_path):
    write_ct_series(make_ct_volume(), tmp_path / "ct")
    ct = read_ct_series(tmp_path / "ct")
    masks = _regions(ct)
    read = read_seg(write_seg(masks, tmp_path / "seg.dcm"), ct)
    assert list(read) == [m.name for m in masks]
    for mask in masks:
        np.testing.assert_array_equal(read[mask.name].boolean, mask.boolean)
    dataset = pydicom.dcmread(tmp_path / "seg.dcm")
    assert dataset.StudyInstanceUID == ct.metadata["study_instance_uid"]
    assert dataset.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0].CodeValue == \
        "10200004"  # SNOMED CT: liver


def test_fractional_seg_keeps_occupancy_within_half_a_step(tmp_path):
    grid = make_ct_volume()
    occupancy = np.random.default_rng(4).uniform(0, 1, grid.shape)
    mask = Mask.on_grid_of("liver", grid, occupancy)
    read = read_seg(write_seg([mask], tmp_path / "seg.dcm", fractional=True), grid)
    np.testing.assert_allclose(read["liver"].fraction, occupancy, atol=1 / 255 / 2 + 1e-12)


def test_seg_lands_on_a_larger_grid_voxel_for_voxel(tmp_path):
    small = make_ct_volume()
    big = Volume(np.zeros((8, 14, 15)), oblique_affine(origin=small.world_mm((-1, -2, -3))),
                 "HU", FRAME)
    masks = _regions(small)
    read = read_seg(write_seg(masks, tmp_path / "seg.dcm"), big)
    expected = np.zeros(big.shape, dtype=bool)
    expected[1:7, 2:12, 3:15] = masks[0].boolean
    np.testing.assert_array_equal(read["liver"].boolean, expected)


def test_seg_is_resampled_onto_a_coarser_grid_keeping_the_volume(tmp_path):
    fine = Volume(np.zeros((8, 16, 16)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
                  spacing_mm=(1.0, 1.0, 1.0)), "HU", FRAME)
    block = np.zeros(fine.shape, dtype=bool)
    block[2:6, 4:12, 4:12] = True  # 256 mm^3
    coarse = Volume(np.zeros((4, 8, 8)), affine_from_geometry(origin_lps_mm=(0.5, 0.5, 0.5),
                    spacing_mm=(2.0, 2.0, 2.0)), "HU", FRAME)
    read = read_seg(write_seg([Mask.on_grid_of("cube", fine, block)], tmp_path / "s.dcm"),
                    coarse)
    assert read["cube"].volume_ml == pytest.approx(0.256)  # aligned 2-mm voxels: exact


def test_pydicom_seg_reads_onto_its_own_grid(tmp_path):
    path = get_testdata_file("liver_1frame.dcm")
    raw = pydicom.dcmread(path)
    frame = raw.PerFrameFunctionalGroupsSequence[0]
    position = [float(v) for v in frame.PlanePositionSequence[0].ImagePositionPatient]
    measures = raw.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    spacing = [float(measures.SliceThickness)] + [float(v) for v in measures.PixelSpacing]
    grid = Volume(np.zeros((1, raw.Rows, raw.Columns)), affine_from_geometry(
        origin_lps_mm=position, spacing_mm=spacing), "HU", raw.FrameOfReferenceUID)
    shutil.copy(path, tmp_path / "liver.dcm")
    masks = read_seg(tmp_path / "liver.dcm", grid)
    assert masks["Liver"].voxel_count == pytest.approx(float(np.count_nonzero(raw.pixel_array)))


def test_seg_writer_refuses_masks_on_different_grids(tmp_path):
    grid = make_ct_volume()
    other = make_ct_volume(angle_rad=0.0)
    with pytest.raises(GeometryError, match=r"mask 'b' grid"):
        write_seg([Mask.on_grid_of("a", grid, np.ones(grid.shape)),
                   Mask.on_grid_of("b", other, np.ones(other.shape))], tmp_path / "s.dcm")

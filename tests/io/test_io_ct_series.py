"""CT series: round trips, pydicom's real CT slice, and every bad series the reader refuses."""

from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
from io_testdata import FRAME, make_ct_volume, oblique_affine
from pydicom.data import get_testdata_file

from hepar.errors import DicomFormatError, GeometryError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume
from hepar.io import StudyInfo, read_ct_series, write_ct_series


def test_round_trip_keeps_geometry_values_and_frame(tmp_path):
    volume = make_ct_volume()
    files = write_ct_series(volume, tmp_path / "ct")
    assert [f.name for f in files] == [f"CT_{k:04d}.dcm" for k in range(1, 7)]
    read = read_ct_series(tmp_path / "ct")
    # Geometry: origin and spacing within 1e-3 mm, orientation exact to the 16-character DS.
    np.testing.assert_allclose(read.origin_lps_mm, volume.origin_lps_mm, atol=1e-3)
    np.testing.assert_allclose(read.spacing_mm, volume.spacing_mm, atol=1e-3)
    np.testing.assert_allclose(read.direction, volume.direction, atol=1e-12)
    # Values: whole HU in int16, so integer HU come back exactly.
    np.testing.assert_array_equal(read.array, volume.array)
    assert read.unit.value == "HU"
    assert read.frame_of_reference_uid == FRAME
    assert len(read.metadata["sop_instance_uids"]) == 6


def test_fractional_hu_come_back_within_half_a_unit(tmp_path):
    volume = make_ct_volume()
    noisy = volume.with_array(volume.array + np.random.default_rng(1).uniform(-0.49, 0.49,
                                                                                 volume.shape))
    write_ct_series(noisy, tmp_path / "ct")
    np.testing.assert_allclose(read_ct_series(tmp_path / "ct").array, noisy.array, atol=0.5)


def test_left_handed_volume_reads_back_sorted_along_the_slice_normal(tmp_path):
    volume = make_ct_volume(left_handed=True)
    write_ct_series(volume, tmp_path / "ct")
    read = read_ct_series(tmp_path / "ct")
    # Same voxels in space, slice order reversed (DICOM sorts along row x column).
    np.testing.assert_array_equal(read.array, volume.array[::-1])
    np.testing.assert_allclose(read.world_mm((0, 0, 0)), volume.world_mm((5, 0, 0)), atol=1e-6)


def test_study_is_shared_and_rescale_is_written_as_declared(tmp_path):
    study = StudyInfo(patient_id="VP-001")
    write_ct_series(make_ct_volume(), tmp_path / "ct", study=study)
    dataset = pydicom.dcmread(tmp_path / "ct" / "CT_0001.dcm")
    assert dataset.StudyInstanceUID == study.study_instance_uid
    assert dataset.PatientID == "VP-001"
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage
    assert (float(dataset.RescaleSlope), float(dataset.RescaleIntercept)) == (1.0, -1024.0)
    assert dataset.PixelRepresentation == 1 and dataset.BitsAllocated == 16


def test_rescale_slope_and_intercept_of_the_file_are_applied(tmp_path):
    write_ct_series(make_ct_volume(), tmp_path / "ct")
    path = tmp_path / "ct" / "CT_0003.dcm"
    dataset = pydicom.dcmread(path)
    stored = dataset.pixel_array.astype(float)
    dataset.RescaleSlope, dataset.RescaleIntercept = "2", "-1000"
    dataset.save_as(path)
    # HU = stored x RescaleSlope + RescaleIntercept (PS3.3 C.11.1.1.2).
    np.testing.assert_array_equal(read_ct_series(tmp_path / "ct").array[2], stored * 2 - 1000)


def test_pydicom_ct_slice_reads_with_its_own_geometry(tmp_path):
    source = get_testdata_file("CT_small.dcm")
    (tmp_path / "ct").mkdir()
    shutil.copy(source, tmp_path / "ct" / "CT_small.dcm")
    volume = read_ct_series(tmp_path / "ct")
    raw = pydicom.dcmread(source)
    assert volume.shape == (1, 128, 128)
    np.testing.assert_allclose(volume.spacing_mm, (5.0, 0.661468, 0.661468))
    np.testing.assert_allclose(volume.origin_lps_mm, (-158.135803, -179.035797, -75.699997))
    np.testing.assert_array_equal(volume.array[0], raw.pixel_array * 1.0 - 1024.0)
    assert volume.frame_of_reference_uid == raw.FrameOfReferenceUID
    assert volume.metadata["acquisition_start"] == "1997-04-30T11:29:36-05:00"


def test_writing_a_dose_volume_as_ct_is_a_unit_mismatch(tmp_path):
    dose = make_ct_volume().with_array(np.zeros((6, 10, 12)), "Gy")
    with pytest.raises(UnitMismatchError, match=r"volume.unit = 'Gy': expected 'HU'"):
        write_ct_series(dose, tmp_path / "ct")
    assert not (tmp_path / "ct").exists()


def test_hu_outside_int16_are_refused(tmp_path):
    volume = make_ct_volume()
    hot = volume.with_array(np.full(volume.shape, 40000.0))
    with pytest.raises(InvalidValueError, match=r"volume.array .*int16"):
        write_ct_series(hot, tmp_path / "ct")


def test_a_folder_with_files_is_not_overwritten(tmp_path):
    (tmp_path / "ct").mkdir()
    (tmp_path / "ct" / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidValueError, match="folder"):
        write_ct_series(make_ct_volume(), tmp_path / "ct")
    assert (tmp_path / "ct" / "notes.txt").read_text() == "keep me"


# -- bad series -------------------------------------------------------------------------------

def _edit(path, **values):
    dataset = pydicom.dcmread(path)
    for keyword, value in values.items():
        setattr(dataset, keyword, value)
    dataset.save_as(path)


def _axial_series(tmp_path, n=5):
    volume = Volume(np.zeros((n, 4, 4)), oblique_affine(angle_rad=0.0, spacing=(3.0, 1.0, 1.0),
                                                        origin=(0.0, 0.0, 0.0)), "HU", FRAME)
    write_ct_series(volume, tmp_path / "ct")
    return tmp_path / "ct"


def test_two_series_in_one_folder_are_refused_unless_one_is_chosen(tmp_path):
    write_ct_series(make_ct_volume(), tmp_path / "a")
    write_ct_series(make_ct_volume(), tmp_path / "b", series_description="second")
    for path in (tmp_path / "b").iterdir():
        shutil.move(path, tmp_path / "a" / f"b_{path.name}")
    with pytest.raises(DicomFormatError, match=r"SeriesInstanceUID = '2 series: .*series_uid=") \
            as caught:
        read_ct_series(tmp_path / "a")
    assert str(tmp_path / "a") in str(caught.value)
    chosen = pydicom.dcmread(tmp_path / "a" / "b_CT_0001.dcm").SeriesInstanceUID
    volume = read_ct_series(tmp_path / "a", series_uid=chosen)
    assert volume.shape == (6, 10, 12)
    assert volume.metadata["series_instance_uid"] == chosen


def test_missing_slice_names_the_gap_and_the_neighbouring_files(tmp_path):
    folder = _axial_series(tmp_path)
    (folder / "CT_0003.dcm").unlink()
    with pytest.raises(DicomFormatError, match=r"CT_0004.dcm: ImagePositionPatient = 'gap of "
                       r"6.000 mm': expected a slice every 3.000 mm .*1 slice\(s\) missing "
                       r"between CT_0002.dcm and CT_0004.dcm"):
        read_ct_series(folder)


def test_uneven_spacing_names_the_file_and_the_field(tmp_path):
    folder = _axial_series(tmp_path)
    _edit(folder / "CT_0004.dcm", ImagePositionPatient=[0.0, 0.0, 9.7])
    with pytest.raises(GeometryError, match=r"CT_0004.dcm: ImagePositionPatient = 'gap of "
                       r"3.700 mm between CT_0003.dcm and CT_0004.dcm': expected evenly spaced"):
        read_ct_series(folder)


def test_gantry_tilt_names_the_tilt_and_the_file(tmp_path):
    folder = _axial_series(tmp_path)
    tilt = 15.0
    for k, path in enumerate(sorted(folder.iterdir())):
        z = 3.0 * k
        _edit(path, GantryDetectorTilt=tilt,
              ImagePositionPatient=[0.0, z * np.tan(np.radians(tilt)), z])
    with pytest.raises(GeometryError, match=r"CT_000\d.dcm: GantryDetectorTilt = 15.0: "
                       r"expected 0 degrees"):
        read_ct_series(folder)


def test_slices_off_the_normal_without_a_tilt_tag_name_the_positions(tmp_path):
    folder = _axial_series(tmp_path)
    _edit(folder / "CT_0005.dcm", ImagePositionPatient=[2.0, 0.0, 12.0])
    with pytest.raises(GeometryError, match=r"CT_0005.dcm: ImagePositionPatient = '2.000 mm off "
                       r"the slice normal'"):
        read_ct_series(folder)


def test_a_slice_with_another_orientation_is_named(tmp_path):
    folder = _axial_series(tmp_path)
    _edit(folder / "CT_0002.dcm", ImageOrientationPatient=[1, 0, 0, 0, 0, -1])
    with pytest.raises(GeometryError, match=r"CT_0002.dcm: ImageOrientationPatient"):
        read_ct_series(folder)


def test_duplicated_slice_is_refused(tmp_path):
    folder = _axial_series(tmp_path)
    _edit(folder / "CT_0004.dcm", ImagePositionPatient=[0.0, 0.0, 6.0])
    with pytest.raises(DicomFormatError, match=r"ImagePositionPatient .*one slice per position"):
        read_ct_series(folder)


def test_a_file_that_is_not_dicom_is_named(tmp_path):
    folder = _axial_series(tmp_path)
    (folder / "readme.txt").write_text("not an image")
    with pytest.raises(DicomFormatError, match=r"readme.txt: file = .*expected a DICOM file"):
        read_ct_series(folder)


def test_empty_and_missing_folders_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DicomFormatError, match=r"empty: folder = 'empty': expected at least one"):
        read_ct_series(tmp_path / "empty")
    with pytest.raises(DicomFormatError, match=r"folder = .*expected an existing folder"):
        read_ct_series(tmp_path / "nowhere")


def test_a_series_that_is_not_ct_is_named(tmp_path):
    folder = _axial_series(tmp_path, n=2)
    for path in folder.iterdir():
        _edit(path, Modality="MR")
    with pytest.raises(DicomFormatError, match=r"Modality = 'MR': expected 'CT'"):
        read_ct_series(folder)


def test_a_value_its_dicom_type_cannot_hold_is_refused_before_writing(tmp_path):
    with pytest.raises(InvalidValueError, match=r"series_description = 'xxx.*at most 64 char"):
        write_ct_series(make_ct_volume(), tmp_path / "ct", series_description="x" * 80)  # LO
    # pydicom's own check is the backstop for values hepar does not check itself (CS: 16)
    with pytest.raises(InvalidValueError, match=r"DICOM attribute = .*VR"):
        write_ct_series(make_ct_volume(), tmp_path / "ct", patient_position="HEAD FIRST SUPINE")
    assert not (tmp_path / "ct").exists()

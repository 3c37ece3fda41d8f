"""NM TOMO projections: round trip, a hand-built two-head scanner file, strict writing."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pydicom
import pytest
from io_testdata import FRAME, assert_same_projections, make_projections
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from hepar.errors import DicomFormatError, HeparWarning, InvalidValueError
from hepar.io import read_nm_projections, write_ct_series, write_nm_projections
from hepar.spect import EnergyWindow


def test_round_trip_two_heads(tmp_path):
    projections = make_projections()
    path = write_nm_projections(projections, tmp_path / "nm.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeparWarning)  # a hepar file reads without any warning
        read = read_nm_projections(path)
    assert_same_projections(read, projections)
    assert read.metadata["warnings"] == []


def test_file_follows_the_nm_tomo_layout(tmp_path):
    path = write_nm_projections(make_projections(n_views_per_head=3), tmp_path / "nm.dcm")
    dataset = pydicom.dcmread(path)
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.20"  # NM Image Storage
    assert list(dataset.ImageType) == ["ORIGINAL", "PRIMARY", "TOMO", "EMISSION"]
    # PS3.3 Table C.8-8, TOMO: window \ detector \ rotation \ view, the view varying fastest.
    assert list(dataset.FrameIncrementPointer) == [0x00540010, 0x00540020, 0x00540050,
                                                   0x00540090]
    assert list(dataset.AngularViewVector[:4]) == [1, 2, 3, 1]
    assert list(dataset.DetectorVector[:7]) == [1, 1, 1, 2, 2, 2, 1]
    assert list(dataset.EnergyWindowVector[5:7]) == [1, 2]
    assert dataset.BitsAllocated == 16 and dataset.NumberOfFrames == 12
    rotation = dataset.RotationInformationSequence[0]
    assert rotation.RotationDirection == "CW" and float(rotation.AngularStep) == 3.0
    assert float(rotation.ScanArc) == 9.0 and rotation.ActualFrameDuration == 20000
    assert [float(d.StartAngle) for d in dataset.DetectorInformationSequence] == [180.0, 0.0]
    code = dataset.RadiopharmaceuticalInformationSequence[0].RadionuclideCodeSequence[0]
    assert (code.CodeValue, code.CodingSchemeDesignator) == ("C1943", "NCIt")  # CID 18
    assert dataset.TimezoneOffsetFromUTC == "+0200"


def _scanner_file(path, *, timezone_offset=None, shuffle=False):
    """An NM TOMO file built by hand like a two-head camera writes it (not by hepar).

    2 windows x 2 detectors x 4 views, frames ordered window > detector > view; detector 1
    starts at 180 degrees and detector 2 at 0, rotating clockwise by 3 degrees.
    Frame (w, d, v), zero-based, holds 1000 w + 100 d + 10 v + row at each row.
    """
    windows, detectors, views, rows, cols = 2, 2, 4, 3, 2
    w, d, v = (a.ravel() for a in np.meshgrid(np.arange(windows), np.arange(detectors),
                                              np.arange(views), indexing="ij"))
    frames = (1000 * w + 100 * d + 10 * v)[:, None, None] + np.arange(rows)[None, :, None]
    frames = np.broadcast_to(frames, (w.size, rows, cols)).astype(np.uint16)
    order = np.random.default_rng(3).permutation(w.size) if shuffle else np.arange(w.size)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.20"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = "NM"
    ds.Manufacturer = "Camera Corp"
    ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID = "X", generate_uid(), generate_uid()
    ds.ImageType = ["ORIGINAL", "PRIMARY", "TOMO", "EMISSION"]
    ds.AcquisitionDate, ds.AcquisitionTime = "20160503", "101530.25"
    if timezone_offset:
        ds.TimezoneOffsetFromUTC = timezone_offset
    ds.FrameOfReferenceUID = FRAME
    ds.FrameIncrementPointer = [0x00540010, 0x00540020, 0x00540050, 0x00540090]
    ds.EnergyWindowVector = (w[order] + 1).tolist()
    ds.NumberOfEnergyWindows = windows
    ds.DetectorVector = (d[order] + 1).tolist()
    ds.NumberOfDetectors = detectors
    ds.RotationVector = [1] * w.size
    ds.NumberOfRotations = 1
    ds.AngularViewVector = (v[order] + 1).tolist()
    energy = []
    for name, low, high in (("EM", "74.0", "87.0"), ("SC", "104.0", "132.0")):
        limits = Dataset()
        limits.EnergyWindowLowerLimit, limits.EnergyWindowUpperLimit = low, high
        item = Dataset()
        item.EnergyWindowName = name
        item.EnergyWindowRangeSequence = Sequence([limits])
        energy.append(item)
    ds.EnergyWindowInformationSequence = Sequence(energy)
    nuclide = Dataset()
    nuclide.CodeValue, nuclide.CodingSchemeDesignator = "C1943", "NCIt"
    nuclide.CodeMeaning = "^166^Holmium"
    pharmaceutical = Dataset()
    pharmaceutical.RadionuclideCodeSequence = Sequence([nuclide])
    ds.RadiopharmaceuticalInformationSequence = Sequence([pharmaceutical])
    heads = []
    for start, radius in (("180", ["230", "231", "232", "233"]), ("0", "245")):
        head = Dataset()
        head.StartAngle, head.RadialPosition = start, radius
        head.CollimatorGridName, head.CollimatorType = "MELP", "PARA"
        heads.append(head)
    ds.DetectorInformationSequence = Sequence(heads)
    rotation = Dataset()
    rotation.StartAngle, rotation.AngularStep, rotation.RotationDirection = "180", "3", "CW"
    rotation.ScanArc, rotation.ActualFrameDuration, rotation.NumberOfFramesInRotation = (
        "12", 25000, views)
    ds.RotationInformationSequence = Sequence([rotation])
    ds.PixelSpacing = ["4.7952", "4.7952"]
    ds.set_pixel_data(np.ascontiguousarray(frames[order]), "MONOCHROME2", 16)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_reads_a_two_head_scanner_layout(tmp_path):
    path = _scanner_file(tmp_path / "camera.dcm", timezone_offset="+0200")
    projections = read_nm_projections(path)
    assert projections.counts.shape == (2, 8, 3, 2)
    # Views detector by detector; angle = StartAngle(detector) - 3 deg x (view - 1), mod 360.
    np.testing.assert_allclose(projections.angles_deg, [180, 177, 174, 171, 0, 357, 354, 351])
    np.testing.assert_array_equal(projections.detector_of_view, [1, 1, 1, 1, 2, 2, 2, 2])
    # window 2 (index 1), detector 2 (index 1), view 3 (index 2), row 1: 1000 + 100 + 20 + 1
    assert projections.counts[1, 6, 1, 0] == 1121
    assert projections.windows == (EnergyWindow("EM", 74.0, 87.0),
                                   EnergyWindow("SC", 104.0, 132.0))
    np.testing.assert_allclose(projections.radius_mm, [230, 231, 232, 233, 245, 245, 245, 245])
    assert projections.frame_duration_s == 25.0
    assert projections.pixel_spacing_mm == (4.7952, 4.7952)
    assert projections.isotope == "Ho-166"
    assert projections.acquisition_start == datetime(2016, 5, 3, 8, 15, 30, 250000, tzinfo=UTC)
    assert projections.metadata["collimator"] == "MELP"


def test_frames_are_placed_by_their_vectors_not_by_their_order(tmp_path):
    ordered = read_nm_projections(_scanner_file(tmp_path / "a.dcm", timezone_offset="+0000"))
    shuffled = read_nm_projections(_scanner_file(tmp_path / "b.dcm", timezone_offset="+0000",
                                                 shuffle=True))
    np.testing.assert_array_equal(shuffled.counts, ordered.counts)


def test_missing_timezone_is_assumed_and_warned(tmp_path):
    path = _scanner_file(tmp_path / "camera.dcm")
    with pytest.warns(HeparWarning, match="TimezoneOffsetFromUTC missing; times taken as UTC"):
        projections = read_nm_projections(path)
    assert projections.acquisition_start == datetime(2016, 5, 3, 10, 15, 30, 250000, tzinfo=UTC)
    assert any("TimezoneOffsetFromUTC" in w for w in projections.metadata["warnings"])
    cet = timezone(timedelta(hours=1))
    with pytest.warns(HeparWarning):
        local = read_nm_projections(path, assume_timezone=cet)
    assert local.acquisition_start.utcoffset() == timedelta(hours=1)


def test_reader_names_what_is_missing(tmp_path):
    path = _scanner_file(tmp_path / "camera.dcm", timezone_offset="+0000")
    dataset = pydicom.dcmread(path)
    del dataset.RotationInformationSequence[0].RotationDirection
    dataset.save_as(path)
    with pytest.raises(DicomFormatError,
                       match=r"camera.dcm: RotationInformationSequence\[1\].RotationDirection"):
        read_nm_projections(path)
    dataset = pydicom.dcmread(_scanner_file(tmp_path / "b.dcm", timezone_offset="+0000"))
    del dataset.DetectorVector
    dataset.save_as(tmp_path / "b.dcm")
    with pytest.raises(DicomFormatError, match=r"b.dcm: DetectorVector = None"):
        read_nm_projections(tmp_path / "b.dcm")


def test_a_ct_file_or_a_reconstruction_is_not_projections(tmp_path, ):
    from io_testdata import make_ct_volume

    write_ct_series(make_ct_volume(), tmp_path / "ct")
    with pytest.raises(DicomFormatError, match=r"CT_0001.dcm: SOPClassUID = .*NM Image Storage"):
        read_nm_projections(tmp_path / "ct" / "CT_0001.dcm")
    path = _scanner_file(tmp_path / "camera.dcm", timezone_offset="+0000")
    dataset = pydicom.dcmread(path)
    dataset.ImageType = ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    dataset.save_as(path)
    with pytest.raises(DicomFormatError, match=r"ImageType = .*RECON TOMO.*expected value 3"):
        read_nm_projections(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"counts_value": -1.0}, r"counts\[\(0, 0, 0, 0\)\] = -1.0: expected finite, non-neg"),
        ({"counts_value": 2.5}, r"counts\[\(0, 0, 0, 0\)\] = 2.5: expected whole numbers"),
        ({"counts_value": 70000.0}, r"counts\[\(0, 0, 0, 0\)\] = 70000.0: expected at most 65535"),
        ({"frame_duration_s": 20.0004}, r"frame_duration_s = 20.0004: expected a whole number"),
        ({"isotope": "Xx-999"}, r"isotope = 'Xx-999': expected a nuclide with a DICOM CID 18"),
    ],
)
def test_writer_refuses_what_dicom_cannot_hold(tmp_path, change, message):
    fields = dict(change)
    counts = None
    if "counts_value" in fields:
        counts = make_projections().counts.copy()
        counts[0, 0, 0, 0] = fields.pop("counts_value")
    projections = make_projections(counts=counts, **fields)
    with pytest.raises(InvalidValueError, match=message):
        write_nm_projections(projections, tmp_path / "nm.dcm")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_writer_refuses_unevenly_stepped_angles_and_long_window_names(tmp_path):
    angles = make_projections().angles_deg.copy()
    angles[2] += 0.5
    with pytest.raises(InvalidValueError, match=r"angles_deg = .*StartAngle \+ n x AngularStep"):
        write_nm_projections(make_projections(angles=angles), tmp_path / "nm.dcm")
    long_name = (EnergyWindow("a window with a long name", 74.0, 87.0),
                 EnergyWindow("scatter", 104.0, 132.0))
    with pytest.raises(InvalidValueError, match=r"windows\[0\].name = .*1 to 16 characters"):
        write_nm_projections(make_projections(windows=long_name), tmp_path / "nm.dcm")


def test_interleaved_views_are_grouped_by_detector(tmp_path):
    projections = make_projections(n_views_per_head=4)
    order = np.array([0, 4, 1, 5, 2, 6, 3, 7])  # head 1 and head 2 alternating
    interleaved = make_projections(
        n_views_per_head=4, counts=projections.counts[:, order],
        angles=projections.angles_deg[order], detector_of_view=projections.detector_of_view[order],
        radius_mm=projections.radius_mm[order],
    )
    read = read_nm_projections(write_nm_projections(interleaved, tmp_path / "nm.dcm"))
    assert_same_projections(read, projections)

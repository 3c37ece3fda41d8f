"""NM files in the layouts two camera vendors write, built here with pydicom (not by hepar's
writer), read back to the same angles, radii, windows and counts.

The layouts follow the NM Image IOD (PS3.3 C.8.4) as Siemens Symbia and GE Discovery/Infinia
cameras fill it: RotationInformationSequence (StartAngle, AngularStep, RotationDirection CW or
CC, NumberOfFramesInRotation, ActualFrameDuration), DetectorInformationSequence with a
StartAngle per head, one RadialPosition per view (body-contour orbit), FieldOfViewShape and
FieldOfViewDimensions (Symbia: 533 x 387 mm), EnergyWindowInformationSequence, frames indexed by
the vectors of FrameIncrementPointer. GE's heads may stand 90 degrees apart (L mode) and its
frames need not be stored in vector order. Planar STATIC files often name their views by a View
Code (ANTERIOR / POSTERIOR) instead of a StartAngle.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, NuclearMedicineImageStorage, generate_uid

from hepar.errors import DicomFormatError, GeometryError
from hepar.io import (
    describe_path,
    read_nm_acquisition,
    read_nm_projection_beds,
    read_nm_projections,
    read_nm_static,
    write_nm_static,
)
from hepar.phantoms import simulate_calibration_acquisition

START = datetime(2019, 6, 4, 9, 30, 0, tzinfo=timezone(timedelta(hours=2)))
FRAME = "2.25.99887766554433221100"
HO_HALF_LIFE_H = 26.812  # NUBASE 2020 (REFERENCE.md); ICRP 107 gives 26.80 h


def _window(name, lower, upper):
    limits = Dataset()
    limits.EnergyWindowLowerLimit = f"{lower:g}"
    limits.EnergyWindowUpperLimit = f"{upper:g}"
    item = Dataset()
    item.EnergyWindowName = name
    item.EnergyWindowRangeSequence = Sequence([limits])
    return item


def _code(value, meaning):
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "SRT", meaning
    return item


def _base(image_type, start=START):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = NuclearMedicineImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = NuclearMedicineImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "NM"
    ds.PatientID = "VENDOR-1"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.FrameOfReferenceUID = FRAME
    ds.ImageType = ["ORIGINAL", "PRIMARY", image_type, "EMISSION"]
    ds.AcquisitionDate = start.strftime("%Y%m%d")
    ds.AcquisitionTime = start.strftime("%H%M%S.%f")
    ds.TimezoneOffsetFromUTC = start.strftime("%z")
    ds.PixelSpacing = ["4.7952", "4.7952"]
    ho = Dataset()
    ho.RadionuclideCodeSequence = Sequence([_code("C-B1300", "^166^Holmium")])
    ds.RadiopharmaceuticalInformationSequence = Sequence([ho])
    ds.EnergyWindowInformationSequence = Sequence(
        [_window("EM", 74.925, 87.075), _window("SC", 110.92, 125.08)])
    return ds


def _pixels(ds, frames):
    ds.NumberOfFrames = frames.shape[0]
    ds.Rows, ds.Columns = frames.shape[1:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = frames.astype(np.uint16).tobytes()


def vendor_tomo(path, *, vendor, n_views_per_head=8, rows=6, columns=5, head_starts=(0.0, 180.0),
                direction="CW", step=3.0, z_top_mm=150.0, start=START, shuffle=False,
                frames_in_rotation=None, seed=3, fov_mm=None):
    """An NM TOMO file as a Siemens Symbia (``vendor="siemens"``) or a GE camera writes it.

    Returns the file and the truth: counts ``(window, view, row, column)`` with views head by
    head, the expected angle and radial position of each view.
    """
    rng = np.random.default_rng(seed)
    n_heads, n_windows = len(head_starts), 2
    counts = rng.poisson(30.0, size=(n_windows, n_heads * n_views_per_head, rows, columns))
    sign = 1.0 if direction == "CC" else -1.0
    angles = np.concatenate([(s + sign * step * np.arange(n_views_per_head)) % 360.0
                             for s in head_starts])
    radii = 200.0 + 40.0 * np.abs(np.sin(np.deg2rad(angles)))  # an elliptic body contour
    ds = _base("TOMO", start)
    ds.Manufacturer = "SIEMENS NM" if vendor == "siemens" else "GE MEDICAL SYSTEMS"
    ds.FrameIncrementPointer = [0x00540010, 0x00540020, 0x00540050, 0x00540090]
    w, h, v = np.meshgrid(np.arange(n_windows), np.arange(n_heads), np.arange(n_views_per_head),
                          indexing="ij")
    w, h, v = w.ravel(), h.ravel(), v.ravel()
    order = rng.permutation(w.size) if shuffle else np.arange(w.size)
    w, h, v = w[order], h[order], v[order]
    ds.EnergyWindowVector = (w + 1).tolist()
    ds.DetectorVector = (h + 1).tolist()
    ds.RotationVector = [1] * w.size
    ds.AngularViewVector = (v + 1).tolist()
    ds.NumberOfEnergyWindows, ds.NumberOfDetectors, ds.NumberOfRotations = n_windows, n_heads, 1
    detectors = []
    half = (columns - 1) / 2.0 * 4.7952
    for head, head_start in enumerate(head_starts):
        item = Dataset()
        item.CollimatorGridName = "ME" if vendor == "siemens" else "MEGP"
        item.CollimatorType = "PARA"
        item.FieldOfViewShape = "RECTANGLE"
        item.FieldOfViewDimensions = fov_mm or ([533, 387] if vendor == "siemens" else [540, 400])
        item.StartAngle = f"{head_start:g}"
        views = slice(head * n_views_per_head, (head + 1) * n_views_per_head)
        item.RadialPosition = [f"{r:.2f}" for r in radii[views]]
        theta = math.radians(head_start)
        normal, column = (math.sin(theta), math.cos(theta)), (-math.cos(theta), math.sin(theta))
        r0 = float(f"{radii[views][0]:.2f}")
        item.ImagePositionPatient = [f"{r0 * normal[0] - half * column[0]:.4f}",
                                     f"{r0 * normal[1] - half * column[1]:.4f}", f"{z_top_mm:g}"]
        item.ImageOrientationPatient = [f"{column[0]:.6f}", f"{column[1]:.6f}", "0", "0", "0",
                                        "-1"]
        detectors.append(item)
    ds.DetectorInformationSequence = Sequence(detectors)
    rotation = Dataset()
    rotation.StartAngle = f"{head_starts[0]:g}"
    rotation.AngularStep = f"{step:g}"
    rotation.RotationDirection = direction
    rotation.ScanArc = f"{step * n_views_per_head:g}"
    rotation.ActualFrameDuration = 20000
    rotation.NumberOfFramesInRotation = frames_in_rotation or n_views_per_head
    ds.RotationInformationSequence = Sequence([rotation])
    ds.TypeOfDetectorMotion = "STEP AND SHOOT"
    _pixels(ds, counts[w, h * n_views_per_head + v])
    ds.save_as(path, enforce_file_format=True)
    return path, counts, angles, np.array([float(f"{r:.2f}") for r in radii])


def _same_angles(read, expected):
    np.testing.assert_allclose((read - expected + 180.0) % 360.0 - 180.0, 0.0, atol=1e-9)


def test_siemens_layout_reads_back_angles_radii_and_field_of_view(tmp_path):
    path, counts, angles, radii = vendor_tomo(tmp_path / "symbia.dcm", vendor="siemens")
    projections = read_nm_projections(path)
    np.testing.assert_array_equal(projections.counts, counts)
    _same_angles(projections.angles_deg, angles)
    np.testing.assert_allclose(projections.radius_mm, radii)
    assert projections.detector_of_view.tolist() == [1] * 8 + [2] * 8
    assert [w.name for w in projections.windows] == ["EM", "SC"]
    assert projections.isotope == "Ho-166"
    assert projections.frame_duration_s == 20.0
    assert projections.metadata["field_of_view"] == {"shape": "RECTANGLE",
                                                     "dimensions_mm": [533.0, 387.0]}


def test_ge_layout_counter_clockwise_l_mode_and_frames_out_of_order(tmp_path):
    path, counts, angles, radii = vendor_tomo(
        tmp_path / "ge.dcm", vendor="ge", head_starts=(315.0, 45.0), direction="CC", step=6.0,
        shuffle=True)
    projections = read_nm_projections(path)
    np.testing.assert_array_equal(projections.counts, counts)
    _same_angles(projections.angles_deg, angles)
    assert projections.angles_deg[0] == pytest.approx(315.0)
    assert projections.angles_deg[1] == pytest.approx(321.0)  # CC: increasing angle
    assert projections.angles_deg[8] == pytest.approx(45.0)   # head 2's own StartAngle
    np.testing.assert_allclose(projections.radius_mm, radii)


def test_clockwise_steps_decrease_the_angle(tmp_path):
    path, _, angles, _ = vendor_tomo(tmp_path / "cw.dcm", vendor="siemens", direction="CW")
    projections = read_nm_projections(path)
    assert projections.angles_deg[:3].tolist() == pytest.approx([0.0, 357.0, 354.0])
    _same_angles(projections.angles_deg, angles)


def test_frames_in_rotation_that_disagree_with_the_frames_are_refused(tmp_path):
    path, *_ = vendor_tomo(tmp_path / "bad.dcm", vendor="siemens", frames_in_rotation=10)
    with pytest.raises(DicomFormatError, match="NumberOfFramesInRotation"):
        read_nm_projections(path)


def test_two_beds_are_stitched_with_decay_correction_and_overlap_mean(tmp_path):
    rows, row_mm = 6, 4.7952
    later = START + timedelta(minutes=22)
    upper, c1, angles, _ = vendor_tomo(tmp_path / "bed1.dcm", vendor="siemens", rows=rows,
                                       z_top_mm=150.0, seed=1)
    lower, c2, _, _ = vendor_tomo(tmp_path / "bed2.dcm", vendor="siemens", rows=rows,
                                  z_top_mm=150.0 - 4 * row_mm, start=later, seed=2)
    stitched = read_nm_projection_beds([lower, upper])  # order of the files does not matter
    assert stitched.counts.shape[2] == rows + 4
    assert stitched.acquisition_start == START
    _same_angles(stitched.angles_deg, angles)
    # decay of 166Ho over 22 min: bed 2 counts scaled by exp(lambda t) (REFERENCE.md half-life)
    k = math.exp(math.log(2) * 22 / 60 / HO_HALF_LIFE_H)
    assert stitched.metadata["beds"][1]["decay_correction"] == pytest.approx(k, rel=1e-3)
    np.testing.assert_allclose(stitched.counts[:, :, :4], c1[:, :, :4])
    np.testing.assert_allclose(stitched.counts[:, :, 4:6], (c1[:, :, 4:] + k * c2[:, :, :2]) / 2,
                               rtol=1e-3)
    np.testing.assert_allclose(stitched.counts[:, :, 6:], k * c2[:, :, 2:], rtol=1e-3)
    # the rotation axis sits at the stitched detector's centre row (10 rows: 4.5 rows down)
    assert stitched.metadata["rotation_axis_lps_mm"][2] == pytest.approx(150.0 - 4.5 * row_mm,
                                                                         abs=0.01)


def test_beds_that_are_not_a_whole_row_apart_are_refused(tmp_path):
    upper, *_ = vendor_tomo(tmp_path / "bed1.dcm", vendor="siemens", z_top_mm=150.0)
    lower, *_ = vendor_tomo(tmp_path / "bed2.dcm", vendor="siemens", z_top_mm=140.0)
    with pytest.raises(GeometryError, match="whole number of detector rows"):
        read_nm_projection_beds([upper, lower])


def vendor_static(path, *, with_start_angle=False, seed=5):
    """A planar two-head STATIC image whose views are named by View Code only (as many planar
    files are), 300 s."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(50.0, size=(2, 2, 8, 8))
    ds = _base("STATIC")
    ds.Manufacturer = "SIEMENS NM"
    ds.FrameIncrementPointer = [0x00540010, 0x00540020]
    ds.EnergyWindowVector = [1, 1, 2, 2]
    ds.DetectorVector = [1, 2, 1, 2]
    ds.NumberOfEnergyWindows, ds.NumberOfDetectors = 2, 2
    ds.ActualFrameDuration = 300000
    heads = []
    for value, meaning, angle in (("R-10206", "anterior", 180), ("R-10214", "posterior", 0)):
        item = Dataset()
        item.CollimatorGridName = "ME"
        item.ViewCodeSequence = Sequence([_code(value, meaning)])
        if with_start_angle:
            item.StartAngle = str(angle)
        heads.append(item)
    ds.DetectorInformationSequence = Sequence(heads)
    _pixels(ds, counts.reshape(4, 8, 8))
    ds.save_as(path, enforce_file_format=True)
    return path, counts


def test_static_view_codes_give_the_detector_angles_and_info_describes_it(tmp_path):
    path, counts = vendor_static(tmp_path / "planar.dcm")
    projections = read_nm_static(path)
    np.testing.assert_array_equal(projections.counts, counts)
    assert projections.angles_deg.tolist() == [180.0, 0.0]  # anterior, posterior (DICOM)
    assert projections.frame_duration_s == 300.0
    assert read_nm_acquisition(path).metadata["image_type"] == "STATIC"
    facts = describe_path(path).to_dict()
    assert facts["kind"] == "nm_static"
    assert facts["isotope"] == "Ho-166"
    assert facts["frame_duration_s"] == 300.0
    assert facts["n_detectors"] == 2 and facts["n_views"] == 2
    assert [w["name"] for w in facts["energy_windows"]] == ["EM", "SC"]
    assert facts["acquisition_start"] == START.isoformat()


def test_static_frames_disagreeing_with_the_header_are_refused(tmp_path):
    path, _ = vendor_static(tmp_path / "planar.dcm")
    from pydicom import dcmread

    ds = dcmread(path)
    ds.NumberOfDetectors = 3
    ds.save_as(path)
    with pytest.raises(DicomFormatError, match="NumberOfDetectors"):
        read_nm_static(path)


def test_simulated_calibration_static_round_trip(tmp_path):
    acquisition, source = simulate_calibration_acquisition(
        "Ho-166", 120.0, acquisition_start=START, preset_name="tiny", seed=4)
    written = acquisition.projections
    path = write_nm_static(written, tmp_path / "calibration.dcm", creation_datetime=START)
    read = read_nm_static(path)
    np.testing.assert_array_equal(read.counts, written.counts)
    assert read.angles_deg.tolist() == [0.0, 180.0]
    np.testing.assert_allclose(read.radius_mm, written.radius_mm)
    assert read.isotope == "Ho-166" and read.frame_duration_s == written.frame_duration_s
    assert [w.name for w in read.windows] == [w.name for w in written.windows]
    assert source.activity_mbq == 120.0


def test_the_rotation_axis_is_found_from_the_detector_positions(tmp_path):
    # vendor_tomo puts the axis at x = y = 0; the detector's axial centre is 2.5 rows below
    # its first row (6 rows of 4.7952 mm).
    path, *_ = vendor_tomo(tmp_path / "symbia.dcm", vendor="siemens", z_top_mm=150.0)
    axis = read_nm_projections(path).metadata["rotation_axis_lps_mm"]
    assert axis == pytest.approx([0.0, 0.0, 150.0 - 2.5 * 4.7952], abs=0.01)


def test_the_simulators_axis_survives_writing_and_reading(tmp_path):
    from hepar.io import write_nm_projections
    from hepar.phantoms import simulate_calibration_acquisition as simulate

    acquisition, _ = simulate("Ho-166", 50.0, acquisition_start=START, shape="cylinder",
                              frame_duration_s=2.0)
    written = acquisition.projections
    path = write_nm_projections(written, tmp_path / "spect.dcm", creation_datetime=START)
    axis = read_nm_projections(path).metadata["rotation_axis_lps_mm"]
    assert axis == pytest.approx(written.metadata["rotation_axis_lps_mm"], abs=0.01)


def test_rows_and_columns_outside_the_detectors_field_of_view_are_dropped(tmp_path):
    # A 10 x 8 matrix of 4.7952 mm pixels (48 x 38 mm) on a 24 x 30 mm field of view: one
    # column at each side (wholly outside 24 mm) and one row at each end (outside 30 mm).
    path, counts, _, _ = vendor_tomo(tmp_path / "fov.dcm", vendor="siemens", rows=10,
                                          columns=8, fov_mm=[24, 30])
    full = read_nm_projections(path)
    cropped = read_nm_projection_beds([path])
    assert cropped.detector_shape == (8, 6)
    np.testing.assert_array_equal(cropped.counts, counts[:, :, 1:9, 1:7])
    assert cropped.metadata["cropped_to_field_of_view"] == {"rows": [1, 8], "columns": [1, 6]}
    # symmetric: the detector centre, hence the rotation axis, does not move
    assert cropped.metadata["rotation_axis_lps_mm"] == pytest.approx(
        full.metadata["rotation_axis_lps_mm"], abs=1e-3)
    first = np.asarray(full.metadata["detector_geometry"][0]["image_position_patient"])
    moved = np.asarray(cropped.metadata["detector_geometry"][0]["image_position_patient"])
    assert np.linalg.norm(moved - first) == pytest.approx(math.hypot(4.7952, 4.7952), abs=1e-3)

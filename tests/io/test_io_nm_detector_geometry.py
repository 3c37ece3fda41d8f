"""Where each camera head's first frame lies in patient space: Detector Information Sequence.

PS3.3 C.8.4.11 gives every detector of an NM image an ImagePositionPatient (the upper-left
pixel, LPS mm) and ImageOrientationPatient (row and column direction cosines). hepar writes them
from ``Projections.metadata["detector_geometry"]`` and reads them back into it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pydicom
import pytest
from io_testdata import make_projections

from hepar.errors import GeometryError, HeparWarning, InvalidValueError
from hepar.io import read_nm_projections, write_nm_projections

_COS30, _SIN30 = math.cos(math.radians(30.0)), 0.5
#: Two opposite heads 210 and 250 mm from the axis, a 12 x 4.7952 mm field; the first head's
#: columns run 30 degrees off the x axis (a non-trivial set of direction cosines).
GEOMETRY = [
    {"detector": 1, "image_position_patient": [-57.5424, -210.0, 9.5904],
     "image_orientation_patient": [_COS30, _SIN30, 0.0, 0.0, 0.0, -1.0]},
    {"detector": 2, "image_position_patient": [57.5424, 250.0, 9.5904],
     "image_orientation_patient": [-1.0, 0.0, 0.0, 0.0, 0.0, -1.0]},
]


def _with_geometry(geometry):
    return make_projections(metadata={"detector_geometry": geometry})


def test_detector_geometry_round_trip(tmp_path):
    path = write_nm_projections(_with_geometry(GEOMETRY), tmp_path / "nm.dcm")
    items = pydicom.dcmread(path).DetectorInformationSequence
    assert [float(v) for v in items[1].ImagePositionPatient] == [57.5424, 250.0, 9.5904]
    assert [float(v) for v in items[1].ImageOrientationPatient] == [-1, 0, 0, 0, 0, -1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", HeparWarning)
        read = read_nm_projections(path)
    geometry = read.metadata["detector_geometry"]
    assert [g["detector"] for g in geometry] == [1, 2]
    # 16-character decimal strings (DS): about 1e-12 on direction cosines, 1e-10 mm on positions
    for got, wanted in zip(geometry, GEOMETRY, strict=True):
        for key in ("image_position_patient", "image_orientation_patient"):
            np.testing.assert_allclose(got[key], wanted[key], atol=1e-9)


def test_without_geometry_the_attributes_stay_empty_and_nothing_is_read(tmp_path):
    path = write_nm_projections(make_projections(), tmp_path / "nm.dcm")
    for item in pydicom.dcmread(path).DetectorInformationSequence:
        assert item.ImagePositionPatient is None or item.ImagePositionPatient == ""
    assert "detector_geometry" not in read_nm_projections(path).metadata


def test_a_detector_without_geometry_keeps_empty_attributes(tmp_path):
    path = write_nm_projections(_with_geometry(GEOMETRY[1:]), tmp_path / "nm.dcm")
    items = pydicom.dcmread(path).DetectorInformationSequence
    assert not items[0].ImagePositionPatient and items[1].ImagePositionPatient
    assert [g["detector"] for g in read_nm_projections(path).metadata["detector_geometry"]] == [2]


@pytest.mark.parametrize(
    ("geometry", "error", "message"),
    [
        ({"detector": 1}, InvalidValueError,
         r'metadata\["detector_geometry"\] = .dict.: expected a list'),
        ([{**GEOMETRY[0], "detector": 3}], InvalidValueError,
         r'detector_geometry"\]\[0\].detector = 3: expected a detector number from 1 to 2'),
        ([GEOMETRY[0], GEOMETRY[0]], InvalidValueError,
         r'detector_geometry"\]\[1\].detector = 1: .*each at most once'),
        ([{**GEOMETRY[0], "image_position_patient": [1.0, 2.0]}], GeometryError,
         r'detector_geometry"\]\[0\].image_position_patient = \[1.0, 2.0\]: expected three'),
        ([{**GEOMETRY[0], "image_orientation_patient": [1, 0, 0, 1, 0, 0]}], GeometryError,
         r'detector_geometry"\]\[0\].image_orientation_patient = .*orthogonal unit'),
        ([{**GEOMETRY[0], "image_orientation_patient": None}], GeometryError,
         r'detector_geometry"\]\[0\].image_orientation_patient = None: expected six'),
    ],
)
def test_writer_refuses_geometry_dicom_cannot_hold(tmp_path, geometry, error, message):
    with pytest.raises(error, match=message):
        write_nm_projections(_with_geometry(geometry), tmp_path / "nm.dcm")
    assert list(tmp_path.iterdir()) == []


def test_reader_warns_about_unusable_detector_geometry_and_goes_on(tmp_path):
    path = write_nm_projections(_with_geometry(GEOMETRY), tmp_path / "nm.dcm")
    dataset = pydicom.dcmread(path)
    dataset.DetectorInformationSequence[0].ImageOrientationPatient = [1, 0, 0, 1, 0, 0]
    dataset.save_as(path)
    with pytest.warns(HeparWarning, match=r"DetectorInformationSequence\[1\]"
                                          r".ImageOrientationPatient.*not read"):
        read = read_nm_projections(path)
    assert [g["detector"] for g in read.metadata["detector_geometry"]] == [2]
    assert any("DetectorInformationSequence[1]" in w for w in read.metadata["warnings"])

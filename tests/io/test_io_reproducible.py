"""Same inputs, same files: UIDs derived from the series UID, times given by the caller.

Issue 3 asks that a virtual patient written twice with one seed gives identical files. Every
writer takes the Series Instance UID and ``creation_datetime``; with both given, two writes are
byte-identical. Without them, each write gets fresh UIDs (DICOM: a new instance, a new UID).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_testdata import FRAME, make_ct_volume, make_projections, oblique_affine

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume
from hepar.io import (
    StudyInfo,
    read_ct_series,
    read_seg,
    write_ct_series,
    write_nm_projections,
    write_nm_reconstruction,
    write_rtdose,
    write_rtstruct,
    write_seg,
)
from hepar.io._dicom_uids import UID_PATTERN, derived_uid, sop_instance_uid

SERIES = "2.25.301234567890123456789012345678901234567"
#: Amsterdam summer time: the offset must be kept, not replaced by UTC or the machine's zone.
CREATED = datetime(2016, 5, 3, 11, 42, 7, tzinfo=timezone(timedelta(hours=2)))
STUDY = StudyInfo(patient_id="V-0001", study_instance_uid="2.25.1234567890",
                  study_datetime=datetime(2016, 5, 3, 9, 0, tzinfo=UTC))


def _masks(grid: Volume) -> list[Mask]:
    _, y, x = np.mgrid[: grid.shape[0], : grid.shape[1], : grid.shape[2]]
    liver = (y - 5) ** 2 + (x - 6) ** 2 < 16
    return [Mask.on_grid_of("liver", grid, liver),
            Mask.on_grid_of("lesion 1", grid, liver & ((y - 5) ** 2 + (x - 6) ** 2 < 3))]


def _write_ct(out: Path, **uids) -> list[Path]:
    return write_ct_series(make_ct_volume(), out / "ct", study=STUDY,
                           acquisition_datetime=CREATED - timedelta(minutes=5), **uids)


def _write_nm(out: Path, **uids) -> list[Path]:
    return [write_nm_projections(make_projections(), out / "nm.dcm", study=STUDY, **uids)]


def _write_recon(out: Path, **uids) -> list[Path]:
    volume = Volume(np.linspace(0.0, 5.0e4, 5 * 6 * 7).reshape(5, 6, 7),
                    oblique_affine(spacing=(4.8, 4.8, 4.8)), "Bq/mL", FRAME)
    return [write_nm_reconstruction(volume, out / "spect.dcm", study=STUDY, isotope="Ho-166",
                                    **uids)]


def _write_dose(out: Path, **uids) -> list[Path]:
    volume = Volume(np.linspace(0.0, 80.0, 5 * 6 * 7).reshape(5, 6, 7),
                    oblique_affine(spacing=(4.8, 4.8, 4.8)), "Gy", FRAME)
    return [write_rtdose(volume, out / "dose.dcm", study=STUDY, **uids)]


def _write_rtstruct(out: Path, **uids) -> list[Path]:
    return [write_rtstruct(_masks(make_ct_volume()), out / "rs.dcm", study=STUDY, **uids)]


def _write_seg(out: Path, **uids) -> list[Path]:
    return [write_seg(_masks(make_ct_volume()), out / "seg.dcm", study=STUDY, **uids)]


WRITERS = {"ct": _write_ct, "nm projections": _write_nm, "nm reconstruction": _write_recon,
           "rt dose": _write_dose, "rtstruct": _write_rtstruct, "seg": _write_seg}


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _digests(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def _all_uids(dataset: pydicom.Dataset) -> list[str]:
    values = [str(e.value) for e in dataset.file_meta if e.VR == "UI"]
    for element in dataset.iterall():
        if element.VR == "UI" and element.value:
            values.extend(str(v) for v in (element.value if element.VM > 1 else [element.value]))
    return values


@pytest.mark.parametrize("kind", WRITERS)
def test_same_series_uid_and_creation_time_give_identical_bytes(kind, tmp_path):
    write = WRITERS[kind]
    first = write(_fresh(tmp_path / "a"), series_instance_uid=SERIES, creation_datetime=CREATED)
    second = write(_fresh(tmp_path / "b"), series_instance_uid=SERIES, creation_datetime=CREATED)
    assert len(first) == len(second) >= 1
    assert _digests(first) == _digests(second)
    for path in first:
        dataset = pydicom.dcmread(path)
        assert dataset.SeriesInstanceUID == SERIES
        assert dataset.SOPInstanceUID == dataset.file_meta.MediaStorageSOPInstanceUID
        assert dataset.SOPInstanceUID == sop_instance_uid(SERIES, int(dataset.InstanceNumber))
        assert (dataset.InstanceCreationDate, dataset.InstanceCreationTime) == (
            "20160503", "114207")
        assert dataset.TimezoneOffsetFromUTC == "+0200"
        for uid in _all_uids(dataset):  # PS3.5 9.1: at most 64 characters, no leading zeros
            assert len(uid) <= 64 and UID_PATTERN.match(uid), uid


@pytest.mark.parametrize("kind", WRITERS)
def test_without_a_series_uid_every_write_gets_fresh_uids(kind, tmp_path):
    write = WRITERS[kind]
    first = pydicom.dcmread(write(_fresh(tmp_path / "a"))[0])
    second = pydicom.dcmread(write(_fresh(tmp_path / "b"))[0])
    assert first.SeriesInstanceUID != second.SeriesInstanceUID
    assert first.SOPInstanceUID != second.SOPInstanceUID
    assert len(first.SOPInstanceUID) <= 64 and UID_PATTERN.match(first.SOPInstanceUID)


@pytest.mark.parametrize("kind", WRITERS)
def test_a_naive_creation_time_is_refused_and_nothing_is_written(kind, tmp_path):
    out = _fresh(tmp_path / "out")
    with pytest.raises(InvalidValueError, match="creation_datetime"):
        WRITERS[kind](out, creation_datetime=datetime(2016, 5, 3, 11, 42))
    assert list(out.iterdir()) == []


def test_ct_slices_get_distinct_derived_uids_that_the_reader_reports(tmp_path):
    paths = _write_ct(tmp_path, series_instance_uid=SERIES, creation_datetime=CREATED)
    volume = read_ct_series(tmp_path / "ct")
    expected = tuple(sop_instance_uid(SERIES, k + 1) for k in range(len(paths)))
    assert volume.metadata["sop_instance_uids"] == expected
    assert len(set(expected)) == len(expected) and SERIES not in expected
    # content is the acquisition; creation is when the file was made
    first = pydicom.dcmread(paths[0])
    assert (first.ContentDate, first.ContentTime) == ("20160503", "113707")


def test_structure_set_date_is_the_creation_time(tmp_path):
    dataset = pydicom.dcmread(_write_rtstruct(tmp_path, series_instance_uid=SERIES,
                                              creation_datetime=CREATED)[0])
    assert (dataset.StructureSetDate, dataset.StructureSetTime) == ("20160503", "114207")
    assert (dataset.ContentDate, dataset.ContentTime) == ("20160503", "114207")


def test_segmentation_write_time_values_are_derived_and_it_still_reads(tmp_path):
    path = _write_seg(tmp_path, series_instance_uid=SERIES, creation_datetime=CREATED)[0]
    dataset = pydicom.dcmread(path)
    organisation = derived_uid(SERIES, "dimension organization", 1)
    assert [i.DimensionOrganizationUID for i in dataset.DimensionOrganizationSequence] == [
        organisation]
    assert {i.DimensionOrganizationUID for i in dataset.DimensionIndexSequence} == {
        organisation}
    assert [i.ContributionDateTime for i in dataset.ContributingEquipmentSequence] == [
        "20160503114207+0200"]
    assert (dataset.ContentDate, dataset.ContentTime) == ("20160503", "114207")
    # the made-up source images (the grid was not read from DICOM) are derived too
    referenced = dataset.ReferencedSeriesSequence[0]
    assert referenced.SeriesInstanceUID == derived_uid(SERIES, "source series")
    masks = read_seg(path, make_ct_volume())
    assert list(masks) == ["liver", "lesion 1"]


def test_a_segmentation_of_a_written_ct_references_its_derived_slice_uids(tmp_path):
    _write_ct(tmp_path, series_instance_uid=SERIES, creation_datetime=CREATED)
    ct = read_ct_series(tmp_path / "ct")
    masks = [Mask.on_grid_of(m.name, ct, m.boolean) for m in _masks(ct)]
    dataset = pydicom.dcmread(write_seg(masks, tmp_path / "seg.dcm",
                                       series_instance_uid=SERIES + ".9",
                                       creation_datetime=CREATED))
    referenced = dataset.ReferencedSeriesSequence[0]
    assert referenced.SeriesInstanceUID == SERIES
    assert {i.ReferencedSOPInstanceUID for i in referenced.ReferencedInstanceSequence} <= {
        sop_instance_uid(SERIES, k + 1) for k in range(ct.shape[0])}


def test_an_invalid_series_uid_is_refused_with_its_name(tmp_path):
    with pytest.raises(InvalidValueError, match="series_instance_uid"):
        _write_dose(tmp_path, series_instance_uid="1.02.3")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 10**20), min_size=2, max_size=20).map(
    lambda parts: ".".join(str(p) for p in parts)).filter(lambda uid: len(uid) <= 64),
    st.integers(1, 10**6))
def test_derived_uids_are_valid_dicom_uids(series, number):
    uid = sop_instance_uid(series, number)
    assert len(uid) <= 64 and UID_PATTERN.match(uid)
    assert uid != sop_instance_uid(series, number + 1)

"""DICOM entering the store is pseudonymised (PS3.15 basic profile, via dicognito): names and IDs
replaced, dates shifted by the patient's own shift, UIDs remapped the same way for every series of
the patient, the mapping in the key table, the files' SHA-256 in the record."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pydicom
import pytest
from sqlalchemy import select

from hepar.io import StudyInfo, write_ct_series
from hepar.phantoms import generate_virtual_patient
from hepar.services.study_admin import read_patient_key
from hepar.services.study_imaging import import_dicom_series
from hepar.store import DicomUidMap, ImagingStudy, verify_audit


@pytest.fixture(scope="module")
def ct_series(tmp_path_factory):
    """Two CT series of one study of a virtual patient, written by hepar.io."""
    session = generate_virtual_patient(5, "tiny").sessions[0]
    info = StudyInfo(patient_id="VIRTUAL-MRN-5", patient_name="Virtual^Five",
                     study_instance_uid=session.study_instance_uid,
                     study_datetime=session.ct_datetime)
    root = tmp_path_factory.mktemp("dicom")
    for number in (1, 2):
        write_ct_series(session.ct, root / f"s{number}", study=info, series_number=number,
                        acquisition_datetime=session.ct_datetime)
    return session, root


def _read(folder):
    return [pydicom.dcmread(p) for p in sorted(folder.glob("*.dcm"))]


def test_series_are_pseudonymised_consistently_per_patient(study, ct_series, tmp_path):
    session, root = ct_series
    study.patient("HEPAR-001", consented_on=session.ct_datetime.date() - timedelta(days=3))
    originals = [_read(root / "s1"), _read(root / "s2")]
    original_uids = {str(ds.SOPInstanceUID) for series in originals for ds in series}
    saved = [import_dicom_series(study.store, "physicist", study_id="HEPAR-001",
                                 datasets=_read(root / f"s{n}"), location=tmp_path / "store")
             for n in (1, 2)]
    key = read_patient_key(study.store, "investigator", study_id="HEPAR-001")
    assert key.date_shift_hours <= -62 * 24  # dicognito: 62 to 730 days earlier
    with study.store.read() as s:
        records = [s.get(ImagingStudy, r.id) for r in saved]
        mapping = {m.original_uid: m.pseudonym_uid for m in s.scalars(select(DicomUidMap))}
        assert verify_audit(s).ok
    assert records[0].study_uid == records[1].study_uid  # one study stays one study
    assert records[0].study_uid == mapping[session.study_instance_uid]
    assert records[0].study_uid != session.study_instance_uid
    assert original_uids <= set(mapping)
    for record, series in zip(records, originals, strict=True):
        files = _read_folder(record.location)
        assert len(files) == record.n_instances == len(series)
        for ds in files.values():
            assert ds.PatientID == "HEPAR-001" and ds.PatientName == "HEPAR-001"
            assert "DICOGNITO" in ds.DeidentificationMethod
            assert [c.CodeValue for c in ds.DeidentificationMethodCodeSequence] == [
                "113100", "113107"]  # PS3.15 basic profile, modified dates option
            assert str(ds.SOPInstanceUID) not in original_uids
        first = next(iter(files.values()))
        shifted = datetime.strptime(first.StudyDate + str(first.StudyTime)[:6], "%Y%m%d%H%M%S")
        original = session.ct_datetime.replace(tzinfo=None, microsecond=0)
        assert shifted - original == timedelta(hours=key.date_shift_hours)  # same for both
        total = hashlib.sha256()
        for uid in sorted(files):
            total.update(hashlib.sha256(files[uid].filename_bytes).hexdigest().encode())
        assert total.hexdigest() == record.sha256


def _read_folder(location):
    from pathlib import Path

    out = {}
    for path in sorted(Path(location).glob("*.dcm")):
        ds = pydicom.dcmread(path)
        ds.filename_bytes = path.read_bytes()
        out[str(ds.SOPInstanceUID)] = ds
    return out


def test_series_acquired_before_consent_is_refused_and_nothing_written(study, ct_series,
                                                                       tmp_path):
    session, root = ct_series
    study.patient("HEPAR-002", consented_on=session.ct_datetime.date() + timedelta(days=1))
    from hepar.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="StudyDate"):
        import_dicom_series(study.store, "physicist", study_id="HEPAR-002",
                            datasets=_read(root / "s1"), location=tmp_path / "store")
    assert not (tmp_path / "store").exists()
    with study.store.read() as s:
        assert s.scalars(select(DicomUidMap)).first() is None

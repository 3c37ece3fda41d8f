"""Use case: DICOM entering the store is pseudonymised, hashed and recorded.

Pseudonymisation follows the DICOM PS3.15 basic application level confidentiality profile as
implemented by ``dicognito`` (names, IDs, addresses and equipment replaced; dates and times
shifted; UIDs replaced). One anonymiser per patient, seeded by the patient's secret
(``patient_keys.pseudonym_seed``), so that the date shift and the UID replacement are the same for
every series of that patient; every original UID and its pseudonym go to the key table
(``dicom_uid_maps``), every instance's SHA-256 (after pseudonymisation) into the record.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hepar.errors import InvalidValueError
from hepar.store import DicomUidMap, ImagingStudy, PatientKey, Store

from .study_common import SavedRecord, check_after_consent, patient_for_write, saved

__all__ = ["date_shift_hours", "import_dicom_series", "new_pseudonym_seed"]

_UID_LEVELS = (("StudyInstanceUID", "study"), ("SeriesInstanceUID", "series"),
               ("SOPInstanceUID", "instance"), ("FrameOfReferenceUID", "frame of reference"))


def new_pseudonym_seed() -> str:
    """A new patient's pseudonymisation secret (128 random bits, hex)."""
    return secrets.token_hex(16)


def _anonymizer(seed: str) -> Any:
    from dicognito.anonymizer import Anonymizer

    return Anonymizer(seed=seed)


#: DICOM PS3.15 Table E.1-1 / PS3.16 CID 7050: the profile and option applied.
_PROFILE_CODES = (("113100", "Basic Application Confidentiality Profile"),
                  ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"))


def _profile_codes() -> Any:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as DicomSequence

    items = []
    for value, meaning in _PROFILE_CODES:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        items.append(item)
    return DicomSequence(items)


def date_shift_hours(seed: str) -> int:
    """The hours by which the anonymiser of ``seed`` shifts every date and time (negative:
    earlier); measured on a probe dataset rather than read from the library's internals."""
    from pydicom.dataset import Dataset, FileMetaDataset

    probe = Dataset()
    probe.file_meta = FileMetaDataset()
    probe.StudyDate, probe.StudyTime = "20000301", "000000"
    _anonymizer(seed).anonymize(probe)
    shifted = datetime.strptime(f"{probe.StudyDate}{str(probe.StudyTime)[:6]}", "%Y%m%d%H%M%S")
    return round((shifted - datetime(2000, 3, 1)) / timedelta(hours=1))


def _acquired_on(dataset: Any) -> date | None:
    text = str(getattr(dataset, "StudyDate", "") or getattr(dataset, "SeriesDate", "") or "")
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) >= 8 else None


def import_dicom_series(store: Store, user: str, *, study_id: str, datasets: Sequence[Any],
                        location: str | Path) -> SavedRecord:
    """Pseudonymise one series (pydicom datasets, changed in place), write its instances under
    ``location/<pseudonymous series UID>/`` and record the series.

    The record holds the pseudonymous UIDs, the number of instances, the SHA-256 over the
    instances' SHA-256 (in SOP instance UID order) and the folder. The original acquisition day
    (before the shift) must not precede informed consent.
    """
    import pydicom

    if not datasets:
        raise InvalidValueError(field="datasets", value=0, expected="at least one DICOM instance")
    series = {str(ds.SeriesInstanceUID) for ds in datasets}
    if len(series) != 1:
        raise InvalidValueError(field="SeriesInstanceUID", value=sorted(series),
                                expected="the instances of one series")
    with store.write(user) as session:
        patient = patient_for_write(session, session.info["actor"], study_id)
        check_after_consent(session, patient, [("StudyDate", _acquired_on(datasets[0]))])
        key = session.scalars(select(PatientKey).where(PatientKey.patient_id == patient.id)
                              ).first()
        if key is None:
            raise InvalidValueError(field="study_id", value=study_id,
                                    expected="a patient whose key is held in this database")
        anonymizer = _anonymizer(key.pseudonym_seed)
        known = {m.original_uid for m in session.scalars(
            select(DicomUidMap).where(DicomUidMap.patient_id == patient.id))}
        blobs: dict[str, bytes] = {}
        for ds in datasets:
            originals = {kw: str(getattr(ds, kw)) for kw, _ in _UID_LEVELS if kw in ds}
            anonymizer.anonymize(ds)
            ds.PatientID = study_id
            ds.PatientName = study_id
            ds.DeidentificationMethodCodeSequence = _profile_codes()
            for kw, level in _UID_LEVELS:
                if kw in originals and originals[kw] not in known:
                    session.add(DicomUidMap(patient_id=patient.id, level=level,
                                            original_uid=originals[kw],
                                            pseudonym_uid=str(getattr(ds, kw))))
                    known.add(originals[kw])
            buffer = io.BytesIO()
            pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
            blobs[str(ds.SOPInstanceUID)] = buffer.getvalue()
        first = datasets[0]
        folder = Path(location) / str(first.SeriesInstanceUID)
        total = hashlib.sha256()
        for uid in sorted(blobs):
            total.update(hashlib.sha256(blobs[uid]).hexdigest().encode())
        row = ImagingStudy(patient_id=patient.id, modality=str(first.Modality),
                           study_uid=str(first.StudyInstanceUID),
                           series_uid=str(first.SeriesInstanceUID), n_instances=len(blobs),
                           sha256=total.hexdigest(), location=str(folder),
                           acquired_on=_acquired_on(first))
        session.add(row)
        session.flush()
        # the files last: a failure above leaves neither files nor rows
        staging = folder.with_name(f".{folder.name}.partial")
        staging.mkdir(parents=True, exist_ok=False)
        for uid, blob in blobs.items():
            (staging / f"{uid}.dcm").write_bytes(blob)
        staging.replace(folder)
        return saved(row)

"""Reads for an application are scoped like writes (site, role, key tables)."""

from __future__ import annotations

from datetime import date

import pytest

from hepar.clinical import LabValue
from hepar.services.study_admin import soft_delete_record, update_record
from hepar.services.study_queries import list_patients, patient_records, record_history
from hepar.services.study_records import record_labs
from hepar.store import PermissionDeniedError


def test_reads_are_scoped_and_show_history(study):
    study.patient("HEPAR-001")
    study.patient("HEPAR-101", site="NL-B", user="nurse_b")
    [a, b] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[
        LabValue(analyte="alt", value=v, unit="U/L", sampled_on=date(2026, 1, 6))
        for v in (20.0, 21.0)])
    update_record(study.store, "nurse", table="labs", record_id=a.id, expected_version=1,
                  changes={"value": 22.0}, reason="re-measured")
    soft_delete_record(study.store, "nurse", table="labs", record_id=b.id, expected_version=1,
                       reason="duplicate")
    assert [p["study_id"] for p in list_patients(study.store, "nurse")] == ["HEPAR-001"]
    assert [p["study_id"] for p in list_patients(study.store, "monitor")] == [
        "HEPAR-001", "HEPAR-101"]
    rows = patient_records(study.store, "monitor", study_id="HEPAR-001", table="labs")
    assert [(r["id"], r["value"], r["version"]) for r in rows] == [(a.id, 22.0, 2)]
    assert len(patient_records(study.store, "monitor", study_id="HEPAR-001", table="labs",
                               include_deleted=True)) == 2
    history = record_history(study.store, "monitor", table="labs", record_id=a.id)
    assert [(h["action"], h["field"]) for h in history][-1] == ("update", "value")
    assert history[-1]["old_value"] == "20.0" and history[-1]["reason"] == "re-measured"
    with pytest.raises(PermissionDeniedError, match="site of patient HEPAR-001"):
        patient_records(study.store, "nurse_b", study_id="HEPAR-001", table="labs")
    with pytest.raises(PermissionDeniedError, match="to read patient_keys"):
        patient_records(study.store, "monitor", study_id="HEPAR-001", table="patient_keys")
    keys = patient_records(study.store, "investigator", study_id="HEPAR-001",
                           table="patient_keys")
    assert keys[0]["identifier"] == "mrn-HEPAR-001"


def test_recist_reads_are_saved_with_their_assessment(study):
    """A target sum down by 30 % or more is a partial response (RECIST 1.1, Eisenhauer et al.,
    Eur J Cancer 2009;45:228-247, section 4.3.1); 50 -> 30 mm is -40 %."""
    from hepar.clinical import RecistReads
    from hepar.services.study_records import record_recist_reads

    study.patient("HEPAR-001")
    reads = RecistReads.model_validate({
        "lesions": [{"id": "T1", "role": "target", "organ": "liver"},
                    {"id": "T2", "role": "target", "organ": "liver"}],
        "timepoints": [{"date": "2026-01-06", "measurements_mm": {"T1": 30.0, "T2": 20.0}},
                       {"date": "2026-04-06", "measurements_mm": {"T1": 18.0, "T2": 12.0}}]})
    record_recist_reads(study.store, "radiologist", study_id="HEPAR-001", reads=reads)
    rows = patient_records(study.store, "monitor", study_id="HEPAR-001", table="recist_reads")
    assert [r["sum_mm"] for r in rows] == [50.0, 30.0]
    assert rows[1]["target_response"] == "PR" and rows[1]["overall_response"] == "PR"
    measurements = patient_records(study.store, "monitor", study_id="HEPAR-001",
                                   table="recist_measurements")
    assert len(measurements) == 4  # long format: one row per lesion and read

"""The audit trail: a row per changed field (who, when in UTC, table, record, field, old -> new,
reason), reasons for changes, versions against lost updates, soft deletes only, the key table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from hepar.clinical import LabValue
from hepar.services.study_admin import read_patient_key, soft_delete_record, update_record
from hepar.services.study_records import record_labs
from hepar.store import (
    AuditEntry,
    ConflictError,
    Lab,
    PatientKey,
    PermissionDeniedError,
    ReasonRequiredError,
    StoreError,
    verify_audit,
)


def _lab(value: float = 8.4, day: date = date(2026, 1, 6)) -> LabValue:
    return LabValue(analyte="haemoglobin", value=value, unit="mmol/L", lln=7.5, uln=10.0,
                    sampled_on=day)


def _rows(store, table: str, record_id: int) -> list[AuditEntry]:
    with store.read() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == table, AuditEntry.record_id == record_id
        ).order_by(AuditEntry.seq)))


def test_insert_writes_one_audit_row_per_field_with_who_and_when(study):
    study.patient("HEPAR-001")
    before = datetime.now(UTC)
    [saved] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab()])
    rows = _rows(study.store, "labs", saved.id)
    fields = {r.field: r for r in rows}
    assert set(fields) == {"patient_id", "analyte", "value", "unit", "lln", "uln", "sampled_on"}
    assert fields["value"].new_value == "8.4" and fields["value"].old_value is None
    assert all(r.actor == "nurse" and r.role == "research_nurse" and r.action == "insert"
               for r in rows)
    assert all(before - timedelta(seconds=1) <= r.at <= datetime.now(UTC) for r in rows)
    assert rows[0].at.tzinfo is not None and rows[0].at.utcoffset() == timedelta(0)
    assert saved.version == 1


def test_update_needs_a_reason_and_records_old_and_new(study):
    study.patient("HEPAR-001")
    [saved] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab()])
    with pytest.raises(ReasonRequiredError, match="reason"):
        update_record(study.store, "nurse", table="labs", record_id=saved.id,
                      expected_version=1, changes={"value": "8.6"}, reason="  ")
    after = update_record(study.store, "nurse", table="labs", record_id=saved.id,
                          expected_version=1, changes={"value": "8.6"},
                          reason="transcription error")
    assert after.version == 2
    last = _rows(study.store, "labs", saved.id)[-1]
    assert (last.field, last.old_value, last.new_value, last.reason, last.action,
            last.record_version) == ("value", "8.4", "8.6", "transcription error", "update", 2)


def test_stale_write_is_refused_and_names_the_newer_version(study):
    study.patient("HEPAR-001")
    [saved] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab()])
    update_record(study.store, "investigator", table="labs", record_id=saved.id,
                  expected_version=1, changes={"value": 8.5}, reason="re-read the report")
    with pytest.raises(ConflictError, match=r"labs#\d+\.version = 1: expected the current "
                                            r"version 2"):
        update_record(study.store, "nurse", table="labs", record_id=saved.id,
                      expected_version=1, changes={"value": 8.9}, reason="my correction")
    with study.store.read() as session:
        assert session.get(Lab, saved.id).value == 8.5  # nothing overwritten


def test_hard_delete_is_refused_and_soft_delete_is_audited(study):
    study.patient("HEPAR-001")
    [saved] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab()])
    with pytest.raises(StoreError, match="never hard-deleted"):
        with study.store.write("nurse", reason="duplicate") as session:
            session.delete(session.get(Lab, saved.id))
    soft_delete_record(study.store, "nurse", table="labs", record_id=saved.id,
                       expected_version=1, reason="entered for the wrong patient")
    with study.store.read() as session:
        row = session.get(Lab, saved.id)
        assert row is not None and row.deleted_at is not None and row.version == 2
        assert verify_audit(session).ok
    last = _rows(study.store, "labs", saved.id)[-1]
    assert (last.action, last.field, last.reason) == ("delete", "deleted_at",
                                                      "entered for the wrong patient")


def test_key_table_is_audited_as_digests_and_readable_only_by_clinic_roles(study):
    study.patient("HEPAR-001")
    with study.store.read() as session:
        key = session.scalars(select(PatientKey)).one()
        rows = list(session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "patient_keys")))
    assert rows and all(r.new_value.startswith("hmac-sha256:") for r in rows)
    assert all("mrn-HEPAR-001" not in (r.new_value or "") for r in rows)
    view = read_patient_key(study.store, "investigator", study_id="HEPAR-001")
    assert view.identifier == key.identifier == "mrn-HEPAR-001"
    assert "mrn" not in repr(view)
    with pytest.raises(PermissionDeniedError, match="role = 'monitor'"):
        read_patient_key(study.store, "monitor", study_id="HEPAR-001")
    with pytest.raises(PermissionDeniedError, match="site"):
        read_patient_key(study.store, "nurse_b", study_id="HEPAR-001")


def test_audit_trail_verifies_after_a_session_of_edits(study):
    study.patient("HEPAR-001")
    saved = record_labs(study.store, "nurse", study_id="HEPAR-001",
                        labs=[_lab(8.0 + i / 10) for i in range(5)])
    for record in saved[:3]:
        update_record(study.store, "nurse", table="labs", record_id=record.id,
                      expected_version=1, changes={"uln": 10.5}, reason="new reference range")
    with study.store.read() as session:
        report = verify_audit(session)
    assert report.ok and report.first_broken_row is None and report.rows > 30

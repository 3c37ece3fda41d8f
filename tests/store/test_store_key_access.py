"""The identifying key (``patient_keys``, ``dicom_uid_maps``) is readable only by the roles that may
see it (``hepar.store.KEY_READERS``: investigators and research nurses) and only for patients of
their own site; every other role is refused at the service layer, on both back-ends, and the
refusal never echoes the identifier. The audit trail (which is exported) keeps key values as
digests that cannot be reversed without the database's secret."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import select, text

from hepar.services.study_admin import add_user, read_patient_key
from hepar.services.study_queries import patient_records
from hepar.store import (
    KEY_READERS,
    KEY_TABLES,
    AuditEntry,
    AuditSecret,
    PatientKey,
    PermissionDeniedError,
    Role,
    verify_audit,
)

#: user (conftest's study; "epro" added below) -> why a read of the key is refused (None: allowed)
EXPECTED = {
    "investigator": None,
    "nurse": None,
    "nurse_b": "a user of the site of patient HEPAR-001",  # a key reader of the other site
    "monitor": "role = 'monitor'",
    "statistician": "role = 'statistician'",
    "physicist": "role = 'physicist'",
    "radiologist": "role = 'radiologist'",
    "dm": "role = 'data_manager'",
    "epro": "role = 'patient'",
}


def test_only_key_readers_of_the_patients_site_read_the_key(study):
    assert {Role.INVESTIGATOR, Role.RESEARCH_NURSE} == KEY_READERS
    assert {"patient_keys", "dicom_uid_maps"} == KEY_TABLES
    study.patient("HEPAR-001")
    add_user(study.store, "dm", username="epro", full_name="patient", role="patient",
             site_code="NL-A")
    for user, refusal in EXPECTED.items():
        if refusal is None:
            view = read_patient_key(study.store, user, study_id="HEPAR-001")
            assert view.identifier == "mrn-HEPAR-001", user
            [row] = patient_records(study.store, user, study_id="HEPAR-001",
                                    table="patient_keys")
            assert row["identifier"] == "mrn-HEPAR-001", user
            assert patient_records(study.store, user, study_id="HEPAR-001",
                                   table="dicom_uid_maps") == []  # no DICOM stored yet
            continue
        reads = [lambda u=user: read_patient_key(study.store, u, study_id="HEPAR-001")]
        reads += [lambda u=user, t=table: patient_records(study.store, u, study_id="HEPAR-001",
                                                          table=t)
                  for table in sorted(KEY_TABLES)]
        for read in reads:
            with pytest.raises(PermissionDeniedError) as refused:
                read()
            assert refusal in str(refused.value), (user, str(refused.value))
            assert "mrn-" not in str(refused.value)


def _key_rows(store):
    with store.read() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "patient_keys").order_by(AuditEntry.seq)))


def test_audit_trail_keeps_key_values_as_keyed_digests_that_still_catch_tampering(study):
    """A plain SHA-256 of a birth date or a date shift is reversed by trying every candidate
    (the audit trail is exported: CSV and ODM), so key values are HMAC-SHA256 digests under the
    database's secret; a key row changed in SQL is still named by verification."""
    study.patient("HEPAR-001")
    rows = {r.field: r.new_value for r in _key_rows(study.store)}
    with study.store.read() as session:
        key = session.scalars(select(PatientKey)).one()
        secret = bytes.fromhex(session.scalar(select(AuditSecret.key_hex)))
    birth = key.birth_date.isoformat()
    assert rows["birth_date"] != "sha256:" + hashlib.sha256(birth.encode()).hexdigest()
    assert rows["birth_date"] == "hmac-sha256:" + hmac.new(secret, birth.encode(),
                                                           hashlib.sha256).hexdigest()
    assert all(v.startswith("hmac-sha256:") for v in rows.values())
    with study.store.read() as session:
        assert verify_audit(session).ok
    with study.store.engine.begin() as connection:
        connection.execute(text("UPDATE patient_keys SET identifier = 'someone else'"))
    with study.store.read() as session:
        report = verify_audit(session)
    assert not report.ok and report.record == f"patient_keys#{key.id}.identifier"
    assert "(withheld)" in report.problem and "someone else" not in report.problem


def test_plain_digests_written_before_the_secret_still_verify(study, monkeypatch):
    """Rows written before migration 0005 hold ``sha256:`` digests: they still verify (and a
    tampered key row is still found) next to the keyed ones."""
    import hepar.store._audit as audit

    monkeypatch.setattr(audit, "audit_key", lambda session: None)  # the digests of before 0005
    study.patient("HEPAR-001")
    monkeypatch.undo()
    study.patient("HEPAR-002")
    kinds = {r.new_value.split(":")[0] for r in _key_rows(study.store)}
    assert kinds == {"sha256", "hmac-sha256"}
    with study.store.read() as session:
        assert verify_audit(session).ok
    with study.store.engine.begin() as connection:
        connection.execute(text("UPDATE patient_keys SET date_shift_hours = 1 "
                                "WHERE identifier = 'mrn-HEPAR-001'"))
    with study.store.read() as session:
        report = verify_audit(session)
    assert not report.ok and report.record.endswith(".date_shift_hours")

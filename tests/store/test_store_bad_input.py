"""Bad input is refused with one clear error and nothing written: unknown site, wrong role,
duplicate study ID, dates before consent, a user of another site, a write to a locked study."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from hepar.clinical import AdverseEvent, LabValue
from hepar.errors import InvalidValueError
from hepar.services.study_admin import lock_study, unlock_study, update_record
from hepar.services.study_records import (
    record_adverse_event,
    record_labs,
    record_plan,
    register_patient,
)
from hepar.store import (
    AuditEntry,
    Lab,
    PermissionDeniedError,
    StudyLockedError,
    verify_audit,
)


def _counts(store) -> tuple[int, int]:
    with store.read() as session:
        return (session.scalar(select(func.count()).select_from(AuditEntry)),
                session.scalar(select(func.count()).select_from(Lab)))


def _lab(day: date) -> LabValue:
    return LabValue(analyte="platelets", value=180.0, unit="10^9/L", lln=150.0, uln=400.0,
                    sampled_on=day)


def test_unknown_site(study):
    before = _counts(study.store)
    with pytest.raises(InvalidValueError, match="site = 'NL-Z': expected the code of a "
                                                "registered site"):
        register_patient(study.store, "nurse", study_id="HEPAR-009", site_code="NL-Z",
                         identifier="mrn-9")
    assert _counts(study.store) == before


def test_wrong_role(study):
    study.patient("HEPAR-001")
    before = _counts(study.store)
    with pytest.raises(PermissionDeniedError, match=r"role = 'monitor'.*to write labs"):
        record_labs(study.store, "monitor", study_id="HEPAR-001", labs=[_lab(date(2026, 2, 1))])
    with pytest.raises(PermissionDeniedError, match=r"role = 'radiologist'.*to write plans"):
        record_plan(study.store, "radiologist", study_id="HEPAR-001", kind="scout",
                    planned_on=date(2026, 2, 1), activity_mbq=250.0, method="fixed")
    with pytest.raises(PermissionDeniedError, match="user = 'nobody'"):
        record_labs(study.store, "nobody", study_id="HEPAR-001", labs=[_lab(date(2026, 2, 1))])
    assert _counts(study.store) == before


def test_user_of_another_site(study):
    study.patient("HEPAR-001")
    before = _counts(study.store)
    with pytest.raises(PermissionDeniedError, match=r"user = 'nurse_b'.*site of patient"):
        record_labs(study.store, "nurse_b", study_id="HEPAR-001", labs=[_lab(date(2026, 2, 1))])
    assert _counts(study.store) == before


def test_duplicate_study_id(study):
    study.patient("HEPAR-001")
    before = _counts(study.store)
    with pytest.raises(InvalidValueError, match="study_id = 'HEPAR-001': expected a study ID "
                                                "not used by another patient"):
        register_patient(study.store, "nurse", study_id="HEPAR-001", site_code="NL-A",
                         identifier="mrn-other")
    assert _counts(study.store) == before


def test_dates_before_consent(study):
    study.patient("HEPAR-001", consented_on=date(2026, 1, 5))
    before = _counts(study.store)
    labs = [_lab(date(2026, 1, 6)), _lab(date(2026, 1, 4))]
    with pytest.raises(InvalidValueError, match=r"labs\[1\]\.sampled_on = '2026-01-04': "
                                                r"expected a date on or after informed consent "
                                                r"\(2026-01-05\)"):
        record_labs(study.store, "nurse", study_id="HEPAR-001", labs=labs)
    event = AdverseEvent(id="HEPAR-001-AE1", patient_id="HEPAR-001", term="Nausea", grade=1,
                         onset=date(2025, 12, 30), relatedness="possible")
    with pytest.raises(InvalidValueError, match="onset = '2025-12-30'"):
        record_adverse_event(study.store, "nurse", study_id="HEPAR-001", event=event)
    assert _counts(study.store) == before
    [saved] = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=labs[:1])
    after = _counts(study.store)
    with pytest.raises(InvalidValueError, match=r"labs\.sampled_on = '2026-01-01'"):
        update_record(study.store, "nurse", table="labs", record_id=saved.id,
                      expected_version=1, changes={"sampled_on": "2026-01-01"}, reason="typo")
    with pytest.raises(InvalidValueError, match=r"labs\.value = 'abc': expected a number"):
        update_record(study.store, "nurse", table="labs", record_id=saved.id,
                      expected_version=1, changes={"value": "abc"}, reason="typo")
    assert _counts(study.store) == after


def test_clinical_data_without_consent(study):
    register_patient(study.store, "nurse", study_id="HEPAR-002", site_code="NL-A",
                     identifier="mrn-2")
    with pytest.raises(InvalidValueError, match="consent = None: expected informed consent"):
        record_labs(study.store, "nurse", study_id="HEPAR-002", labs=[_lab(date(2026, 1, 6))])


def test_locked_study_refuses_writes_and_unlocking_is_audited(study):
    study.patient("HEPAR-001")
    with pytest.raises(PermissionDeniedError, match="role = 'investigator'"):
        lock_study(study.store, "investigator", reason="database lock")
    lock_study(study.store, "dm", reason="database lock for the primary analysis")
    before = _counts(study.store)
    with pytest.raises(StudyLockedError, match="study = 'locked'"):
        record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab(date(2026, 2, 1))])
    with pytest.raises(StudyLockedError):
        register_patient(study.store, "nurse", study_id="HEPAR-003", site_code="NL-A",
                         identifier="mrn-3")
    assert _counts(study.store) == before
    unlock_study(study.store, "dm", reason="query resolution on site A")
    with study.store.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert verify_audit(session).ok
    assert (last.table_name, last.field, last.old_value, last.new_value, last.actor,
            last.reason) == ("study", "locked", "true", "false", "dm",
                             "query resolution on site A")
    record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[_lab(date(2026, 2, 1))])

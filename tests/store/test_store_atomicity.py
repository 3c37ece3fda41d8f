"""A failure in the middle of a multi-row write leaves nothing behind: no data row, no audit row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from hepar.clinical import LabValue
from hepar.services.study_records import record_labs
from hepar.store import AuditEntry, Lab, verify_audit


class InjectedFailure(RuntimeError):
    pass


def _counts(store) -> tuple[int, int]:
    with store.read() as session:
        return (session.scalar(select(func.count()).select_from(AuditEntry)),
                session.scalar(select(func.count()).select_from(Lab)))


def test_failure_at_the_third_of_five_rows_leaves_nothing(study):
    study.patient("HEPAR-001")
    labs = [LabValue(analyte="alt", value=20.0 + i, unit="U/L", uln=45.0,
                     sampled_on=date(2026, 1, 6)) for i in range(5)]
    before = _counts(study.store)
    inserted = []

    def fail_on_third(mapper, connection, target):  # a real failure inside the flush
        inserted.append(target)
        if len(inserted) == 3:
            raise InjectedFailure("disk full (injected)")

    event.listen(Lab, "before_insert", fail_on_third)
    try:
        with pytest.raises(InjectedFailure):
            record_labs(study.store, "nurse", study_id="HEPAR-001", labs=labs)
    finally:
        event.remove(Lab, "before_insert", fail_on_third)
    assert len(inserted) == 3  # two rows had been sent before the failure
    assert _counts(study.store) == before
    record_labs(study.store, "nurse", study_id="HEPAR-001", labs=labs)
    assert _counts(study.store)[1] == before[1] + 5
    with study.store.read() as session:
        assert verify_audit(session).ok


def test_failure_after_the_audit_rows_are_written_leaves_nothing(study):
    study.patient("HEPAR-001")
    before = _counts(study.store)
    with pytest.raises(InjectedFailure):
        with study.store.write("nurse") as session:
            session.add_all(Lab(patient_id=1, analyte="ast", value=30.0, unit="U/L")
                            for _ in range(3))
            session.flush()  # data and audit rows are in the transaction now
            raise InjectedFailure("crash before commit (injected)")
    assert _counts(study.store) == before

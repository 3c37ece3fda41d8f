"""Tampering: an audit row or a data row changed directly in SQL -> verification fails and names
it (``hepar audit verify`` exits 1 with the row in its JSON)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from hepar.cli import main
from hepar.clinical import LabValue
from hepar.services.study_records import record_labs
from hepar.store import verify_audit


@pytest.fixture
def labs(study):
    study.patient("HEPAR-001")
    return record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[
        LabValue(analyte="creatinine", value=70.0 + i, unit="umol/L", lln=45.0, uln=90.0,
                 sampled_on=date(2026, 1, 6)) for i in range(3)])


def _sql(store, *statements: str) -> None:
    """Change the database behind hepar's back (dropping the append-only guard first)."""
    with store.engine.begin() as connection:
        if store.backend == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_append_only "
                                       "ON audit_log")
        for statement in statements:
            connection.execute(text(statement))


def _verify(store):
    with store.read() as session:
        return verify_audit(session)


def test_the_database_refuses_to_edit_the_audit_log(study, labs):
    with pytest.raises(Exception, match="append-only"):
        with study.store.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET reason = 'x' WHERE seq = 1"))
    assert _verify(study.store).ok


def test_edited_audit_row_is_named(study, labs):
    seq = _verify(study.store).rows - 4
    _sql(study.store, f"UPDATE audit_log SET new_value = '99.0' WHERE seq = {seq}")
    report = _verify(study.store)
    assert not report.ok and report.first_broken_row == seq
    assert "was edited" in report.problem


def test_removed_audit_row_is_named(study, labs):
    _sql(study.store, "DELETE FROM audit_log WHERE seq = 10")
    report = _verify(study.store)
    assert not report.ok and report.first_broken_row == 11
    assert "removed" in report.problem


def test_edited_data_row_is_named_by_record_and_field(study, labs):
    target = labs[1].id
    _sql(study.store, f"UPDATE labs SET value = 7.0 WHERE id = {target}")
    report = _verify(study.store)
    assert not report.ok
    assert report.record == f"labs#{target}.value"
    assert "is '7.0' but the audit trail says '71.0'" in report.problem
    assert report.first_broken_row is not None  # the audit row the table contradicts


def test_hard_deleted_data_row_is_named(study, labs):
    target = labs[2].id
    _sql(study.store, f"DELETE FROM labs WHERE id = {target}")
    report = _verify(study.store)
    assert not report.ok and report.record == f"labs#{target}"


def test_cli_verify_reports_json_and_exit_status(study, labs, capsys):
    assert main(["audit", "verify", "--json", "--database", study.store.url]) == 0
    good = json.loads(capsys.readouterr().out)
    assert good["ok"] is True and good["first_broken_row"] is None and good["rows"] > 0
    _sql(study.store, "UPDATE audit_log SET actor = 'someone else' WHERE seq = 3")
    assert main(["audit", "verify", "--json", "--database", study.store.url]) == 1
    bad = json.loads(capsys.readouterr().out)
    assert (bad["ok"], bad["first_broken_row"]) == (False, 3)
    assert set(bad) >= {"ok", "rows", "first_broken_row"}

"""Exports: CSV (one file per form, long format) and CDISC ODM 1.3.2 with audit records;
importing the ODM file into an empty database reproduces the data and the audit trail."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from hepar.cli import main
from hepar.clinical import AdverseEvent, LabValue, QuestionnaireAnswers
from hepar.services.study_admin import soft_delete_record, update_record
from hepar.services.study_data import export_study, import_study, verify_audit_trail
from hepar.services.study_records import (
    record_adverse_event,
    record_labs,
    record_processing_run,
    record_qol,
)
from hepar.store import AUDITED_MODELS, KEY_TABLES, AuditEntry, AuditError, Store, upgrade

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


@pytest.fixture
def filled(study):
    """A study with edits, a soft delete, QoL (long format), a serious AE and a run."""
    study.patient("HEPAR-001")
    study.patient("HEPAR-002")
    labs = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[
        LabValue(analyte=a, value=v, unit=u, uln=x, sampled_on=date(2026, 1, 6))
        for a, v, u, x in [("bilirubin", 9.0, "umol/L", 17.0), ("alt", 30.0, "U/L", 45.0)]])
    update_record(study.store, "investigator", table="labs", record_id=labs[0].id,
                  expected_version=1, changes={"value": 9.5}, reason="source document check")
    soft_delete_record(study.store, "nurse", table="labs", record_id=labs[1].id,
                       expected_version=1, reason="duplicate entry")
    record_qol(study.store, "nurse", study_id="HEPAR-001", visit_code="screening",
               answers=QuestionnaireAnswers(answers={i: 2 for i in range(1, 31)},
                                            completed_on=date(2026, 1, 6)))
    awareness = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    record_adverse_event(study.store, "investigator", study_id="HEPAR-002", event=AdverseEvent(
        id="HEPAR-002-AE1", patient_id="HEPAR-002", term="Abdominal pain", grade=3,
        onset=date(2026, 2, 1), serious=True, seriousness_criteria=["hospitalisation"],
        relatedness="probable", action_taken="hospitalisation", awareness_at=awareness,
        reported_at=datetime(2026, 2, 1, 15, 0, tzinfo=UTC)))
    record_processing_run(study.store, "physicist", study_id="HEPAR-001", kind="dosimetry",
                          inputs_sha256={"spect": "ab" * 32}, parameters={"method": "local"},
                          software_version="0.1.0", outputs={"mean_liver_dose_gy": 61.2},
                          started_at=awareness)
    return study


def _tables(store: Store) -> dict[str, list[dict]]:
    out = {}
    with store.read() as session:
        for table, model in AUDITED_MODELS.items():
            if table not in KEY_TABLES:
                out[table] = [dict(r) for r in session.execute(
                    select(model.__table__).order_by(model.__table__.c.id)).mappings()]
        out["audit_log"] = [dict(r) for r in session.execute(
            select(AuditEntry.__table__).order_by(AuditEntry.seq)).mappings()]
    return out


def test_csv_one_file_per_form_long_format_no_identifiers(filled, tmp_path):
    counts = export_study(filled.store, tmp_path / "csv", format="csv")
    assert counts["qol_answers.csv"] == 30 and counts["labs.csv"] == 2
    with (tmp_path / "csv" / "qol_answers.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["study_id"] == "HEPAR-001" and {r["item"] for r in rows} == {
        str(i) for i in range(1, 31)}
    with (tmp_path / "csv" / "labs.csv").open() as handle:
        labs = {r["analyte"]: r for r in csv.DictReader(handle)}
    assert labs["bilirubin"]["value"] == "9.5" and labs["bilirubin"]["version"] == "2"
    assert labs["alt"]["deleted_at"] != ""  # soft-deleted, still exported
    text = "".join(p.read_text() for p in (tmp_path / "csv").iterdir())
    assert "mrn-HEPAR" not in text and not (tmp_path / "csv" / "patient_keys.csv").exists()
    assert (tmp_path / "csv" / "audit_trail.csv").exists()
    assert (tmp_path / "csv" / "manifest.csv").exists()


def test_odm_has_the_1_3_2_structure_and_audit_records(filled, tmp_path):
    export_study(filled.store, tmp_path / "odm", format="odm")
    root = ET.parse(tmp_path / "odm" / "study.odm.xml").getroot()
    assert root.tag == f"{ODM}ODM" and root.get("ODMVersion") == "1.3.2"
    assert [c.tag for c in root] == [f"{ODM}Study", f"{ODM}AdminData", f"{ODM}ClinicalData"]
    subjects = [s.get("SubjectKey") for s in root.iter(f"{ODM}SubjectData")]
    assert subjects == ["HEPAR-001", "HEPAR-002"]
    records = list(root.iter(f"{ODM}AuditRecord"))
    with filled.store.read() as session:
        assert len(records) == len(list(session.scalars(select(AuditEntry.seq))))
    reasons = {r.findtext(f"{ODM}ReasonForChange") for r in records}
    assert {"source document check", "duplicate entry"} <= reasons
    assert "mrn-HEPAR" not in (tmp_path / "odm" / "study.odm.xml").read_text()


def test_odm_round_trip_reproduces_data_and_audit_trail(filled, tmp_path, other_store_url):
    export_study(filled.store, tmp_path / "a", format="odm")
    copy = Store(other_store_url)  # an empty database on the same back-end
    try:
        counts = import_study(copy, tmp_path / "a" / "study.odm.xml")
        assert counts["audit_log"] == len(_tables(filled.store)["audit_log"])
        assert _tables(copy) == _tables(filled.store)
        report = verify_audit_trail(copy)
        assert report.ok and report.keys_withheld
        export_study(copy, tmp_path / "b", format="odm")
        assert _stable(tmp_path / "b") == _stable(tmp_path / "a")
        with pytest.raises(AuditError, match="an empty database"):
            import_study(copy, tmp_path / "a" / "study.odm.xml")
    finally:
        copy.dispose()


def _stable(folder) -> list[str]:
    """The ODM file's lines but those stamped with the time of export."""
    return [line for line in (folder / "study.odm.xml").read_text().splitlines()
            if "CreationDateTime" not in line and "EffectiveDate" not in line]


def test_edited_odm_file_is_refused(filled, tmp_path, other_store_url):
    export_study(filled.store, tmp_path / "a", format="odm")
    path = tmp_path / "a" / "study.odm.xml"
    path.write_text(path.read_text().replace('New="9.5"', 'New="5.9"'))
    target = Store(other_store_url)
    try:
        upgrade(target.engine)
        with pytest.raises(AuditError, match="unbroken audit chain"):
            import_study(target, path)
        with target.read() as session:  # nothing was written
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    finally:
        target.dispose()


def test_cli_export_and_import(filled, tmp_path, capsys, other_store_url):
    url = filled.store.url
    assert main(["db", "export", "--format", "odm", "--out", str(tmp_path / "o"),
                 "--database", url]) == 0
    assert main(["db", "export", "--format", "csv", "--out", str(tmp_path / "c"),
                 "--database", url]) == 0
    assert main(["db", "export", "--format", "csv", "--out", str(tmp_path / "c"),
                 "--database", url]) == 2
    assert "expected a new or empty folder" in capsys.readouterr().err
    target = other_store_url  # an empty database on the same back-end
    assert main(["db", "import", str(tmp_path / "o" / "study.odm.xml"),
                 "--database", target]) == 0
    assert main(["audit", "verify", "--database", target]) == 0
    assert "audit trail verifies" in capsys.readouterr().out


def test_store_errors_are_hepar_errors_and_the_cli_prints_one_line(filled, tmp_path, capsys):
    """The store's errors are hepar.errors' (one hierarchy; hepar.store re-exports them), so the
    CLI reports them as its one ``error:`` line with exit status 2, and nothing is written."""
    import hepar.errors
    import hepar.store
    import hepar.store._errors

    for name in ("StoreError", "ConflictError", "StudyLockedError", "PermissionDeniedError",
                 "ReasonRequiredError", "AuditError"):
        cls = getattr(hepar.errors, name)
        assert getattr(hepar.store, name) is cls is getattr(hepar.store._errors, name)
        assert issubclass(cls, hepar.errors.HeparError)
    url = filled.store.url
    assert main(["db", "export", "--format", "odm", "--out", str(tmp_path / "o"),
                 "--database", url]) == 0
    rows = len(_tables(filled.store)["audit_log"])
    capsys.readouterr()
    assert main(["db", "import", str(tmp_path / "o" / "study.odm.xml"), "--database", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "expected an empty database" in err
    assert len(_tables(filled.store)["audit_log"]) == rows  # nothing written

"""The monitors' audit trail viewer (read only, filtered by patient and table, paged, scoped to
the monitor's site) and the study export (CSV zip, CDISC ODM) for study-wide users only."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from hepar.services.study_admin import add_user
from hepar.services.study_records import record_consent, register_patient
from hepar.services.web_auth import set_password

PASSWORD = "correct horse battery"  # tests/app/conftest.py

A_PATIENT, B_PATIENT = "HP-A-MON0000001", "HP-B-MON0000001"


@pytest.fixture
def records(store):
    for study_id, site, nurse in ((A_PATIENT, "A", "nurse.a"), (B_PATIENT, "B", "nurse.b")):
        register_patient(store, nurse, study_id=study_id, site_code=site,
                         identifier=f"hospital id of {study_id}")
        record_consent(store, nurse, study_id=study_id, consented_on=date(2024, 1, 8),
                       form_version="1.0")
    add_user(store, "admin", username="monitor.all", full_name="study monitor", role="monitor",
             site_code=None)
    set_password(store, "monitor.all", PASSWORD)
    return store


def _record_ids(store, study_id):
    from sqlalchemy import select

    from hepar.store import Consent, Patient, PatientKey

    with store.read() as session:
        patient = session.scalar(select(Patient).where(Patient.study_id == study_id))
        return {("patients", patient.id),
                *{("consents", c.id) for c in session.scalars(
                    select(Consent).where(Consent.patient_id == patient.id))},
                *{("patient_keys", k.id) for k in session.scalars(
                    select(PatientKey).where(PatientKey.patient_id == patient.id))}}


def test_a_site_monitor_reads_only_their_sites_audit_rows(client, login, records):
    login("monitor.a")
    answer = client.get("/api/audit", params={"page_size": 500})
    assert answer.status_code == 200
    rows = answer.json()["rows"]
    seen = {(r["table_name"], r["record_id"]) for r in rows}
    assert seen and seen <= _record_ids(records, A_PATIENT)
    assert not seen & _record_ids(records, B_PATIENT)
    assert [r["seq"] for r in rows] == sorted((r["seq"] for r in rows), reverse=True)
    keyed = [r for r in rows if r["table_name"] == "patient_keys" and r["field"] == "identifier"]
    assert keyed and all(f"hospital id of {A_PATIENT}" not in (r["new_value"] or "")
                         for r in keyed)  # the key table's values are digests


def test_filters_and_pages(client, login, records):
    login("monitor.a")
    consents = client.get("/api/audit", params={"study_id": A_PATIENT, "table": "consents"})
    assert {r["table_name"] for r in consents.json()["rows"]} == {"consents"}
    first = client.get("/api/audit", params={"page_size": 2}).json()
    second = client.get("/api/audit", params={"page_size": 2, "page": 2}).json()
    assert len(first["rows"]) == 2 and first["total"] > 2 and first["pages"] >= 2
    assert first["rows"][-1]["seq"] > second["rows"][0]["seq"]
    other = client.get("/api/audit", params={"study_id": B_PATIENT})
    assert other.status_code == 422 and "\n" not in other.json()["detail"]
    bad = client.get("/api/audit", params={"table": "secrets"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("table = 'secrets'")
    page = client.get("/monitor/audit", params={"table": "patients"},
                      headers={"accept": "text/html"})
    assert page.status_code == 200 and "<table id=\"audit-rows\">" in page.text


def test_who_may_not_read_or_export(client, login, records):
    login("nurse.a")
    assert client.get("/api/audit").status_code == 403
    assert client.get("/api/export").status_code == 403
    login("monitor.a")
    refused = client.get("/api/export", params={"format": "csv"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("site = 'A': expected a study-wide user (the export "
                                        "holds every site)")
    client.cookies.clear()
    assert client.get("/api/audit").status_code == 401


def test_a_study_wide_monitor_downloads_the_export(client, login, records):
    login("monitor.all")
    everything = client.get("/api/audit", params={"page_size": 500}).json()["rows"]
    assert {"users", "sites", "patients"} <= {r["table_name"] for r in everything}
    csv = client.get("/api/export", params={"format": "csv"})
    assert csv.status_code == 200
    with zipfile.ZipFile(io.BytesIO(csv.content)) as archive:
        names = set(archive.namelist())
        assert {"manifest.csv", "audit_trail.csv", "patients.csv"} <= names
        patients = archive.read("patients.csv").decode()
    assert A_PATIENT in patients and B_PATIENT in patients
    assert "hospital id" not in patients  # pseudonymous: no key table
    odm = client.get("/api/export", params={"format": "odm"})
    assert odm.status_code == 200 and odm.content.lstrip().startswith(b"<?xml")
    assert b"http://www.cdisc.org/ns/odm/v1.3" in odm.content
    bad = client.get("/api/export", params={"format": "xls"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("format = 'xls'")
    page = client.get("/monitor/export", headers={"accept": "text/html"})
    assert page.status_code == 200 and "/api/export?format=odm" in page.text

"""Users of several sites, data queries (monitor raises and closes, the site answers), the
dashboard's open queries, a patient's own sign-in (ePRO in their language), the admin role, and
the record fixes: RECIST reads saved at two visits, screening through the plausibility checks."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hepar.clinical import Candidate
from hepar.errors import InvalidValueError
from hepar.services.study_admin import add_user, link_patient_account
from hepar.services.study_records import record_screening
from hepar.services.web_auth import set_password
from hepar.store import LesionRow, RecistMeasurement, RecistRead, Store

Login = Callable[[str], dict[str, str]]
PASSWORD = "correct horse battery"


def _patient(client: TestClient, headers: dict[str, str], *, site: str | None = None,
             consent: str = "2015-07-12", **extra: Any) -> str:
    # a fresh identifier per call (id() of a short-lived dict can repeat)
    body = {"identifier": f"virtual-mrn-{uuid.uuid4().hex}", **extra}
    if site:
        body["site_code"] = site
    answer = client.post("/api/patients", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    study_id: str = answer.json()["study_id"]
    answer = client.post(f"/api/patients/{study_id}/consent",
                         json={"consented_on": consent, "form_version": "1.0"}, headers=headers)
    assert answer.status_code == 201, answer.text
    return study_id


def test_user_of_two_sites_sees_both_and_nothing_else(client: TestClient, login: Login) -> None:
    a = _patient(client, login("nurse.a"))
    b = _patient(client, login("nurse.b"))
    bc = login("nurse.bc")
    c = _patient(client, bc, site="C")
    assert sorted(p["study_id"] for p in client.get("/api/patients").json()) == sorted([b, c])
    assert client.get(f"/api/patients/{b}").status_code == 200
    seen, missing = client.get(f"/api/patients/{a}"), client.get("/api/patients/HP-A-0000000000")
    assert seen.status_code == missing.status_code == 422
    assert seen.json()["detail"].replace(a, "X") == \
        missing.json()["detail"].replace("HP-A-0000000000", "X")
    refused = client.post("/api/patients", json={"identifier": "x", "site_code": "A"},
                          headers=bc)
    assert refused.status_code == 403
    assert login("nurse.b") and [p["study_id"] for p in client.get("/api/patients").json()] == [b]


def test_data_query_raised_answered_closed(client: TestClient, login: Login, store: Store,
                                           virtual: Any) -> None:
    nurse = login("nurse.a")
    study_id = _patient(client, nurse)
    lab = {**virtual.labs[0], "sampled_on": "2015-07-20"}
    assert client.post(f"/api/patients/{study_id}/labs", json={"labs": [lab]},
                       headers=nurse).status_code == 201
    lab_id = store.engine.connect().exec_driver_sql("SELECT max(id) FROM labs").scalar_one()

    monitor = login("monitor.a")
    # a monitor still cannot write clinical data
    assert client.post(f"/api/patients/{study_id}/labs", json={"labs": [lab]},
                       headers=monitor).status_code == 403
    raised = client.post(f"/api/patients/{study_id}/queries", headers=monitor,
                         json={"table": "labs", "record_id": lab_id, "field": "value",
                               "question": "Source document says 70: please check."})
    assert raised.status_code == 201, raised.text
    query = raised.json()
    assert 'id="query-form"' in client.get(f"/patients/{study_id}").text
    board = client.get("/api/dashboard").json()
    assert [(q["study_id"], q["status"], q["record"]) for q in board["open_queries"]] == \
        [(study_id, "open", f"labs#{lab_id}")]
    assert "Source document says 70" in client.get("/", headers={"accept": "text/html"}).text
    # the monitor cannot answer, another site cannot see or answer, a stale version is refused
    assert client.post(f"/api/queries/{query['id']}/answer", headers=monitor,
                       json={"version": 1, "answer": "x"}).status_code == 403
    other = login("nurse.b")
    assert client.get("/api/queries").json() == []
    assert client.get("/api/dashboard").json()["open_queries"] == []
    guessed = client.post(f"/api/queries/{query['id']}/answer", headers=other,
                          json={"version": 1, "answer": "x"})
    missing = client.post("/api/queries/999999/answer", headers=other,
                          json={"version": 1, "answer": "x"})
    assert guessed.status_code == missing.status_code == 422
    assert guessed.json()["detail"].replace(str(query["id"]), "N") == \
        missing.json()["detail"].replace("999999", "N")

    nurse = login("nurse.a")
    page = client.get(f"/patients/{study_id}").text
    assert f'data-api="POST /api/queries/{query["id"]}/answer"' in page
    assert 'id="query-form"' not in page
    answered = client.post(f"/api/queries/{query['id']}/answer", headers=nurse,
                           json={"version": query["version"], "answer": "Typo: corrected."})
    assert answered.status_code == 200, answered.text
    stale = client.post(f"/api/queries/{query['id']}/answer", headers=nurse,
                        json={"version": query["version"], "answer": "again"})
    assert stale.status_code == 409
    monitor = login("monitor.a")
    closed = client.post(f"/api/queries/{query['id']}/close", headers=monitor,
                         json={"version": answered.json()["version"]})
    assert closed.status_code == 200, closed.text
    assert client.get("/api/dashboard").json()["open_queries"] == []
    [saved] = client.get("/api/queries?status=closed").json()
    assert (saved["raised_by"], saved["answered_by"], saved["closed_by"]) == \
        ("monitor.a", "nurse.a", "monitor.a")
    # every step is in the audit trail
    history = [(r["actor"], r["field"], r["new_value"]) for r in store.engine.connect()
               .exec_driver_sql("SELECT actor, field, new_value FROM audit_log "
                                "WHERE table_name = 'data_queries' AND field = 'status' "
                                "ORDER BY seq").mappings()]
    assert history == [("monitor.a", "status", "open"), ("nurse.a", "status", "answered"),
                       ("monitor.a", "status", "closed")]


def test_logged_out_gets_no_queries_users_or_booklet(client: TestClient) -> None:
    assert client.get("/api/queries").status_code == 401
    assert client.get("/api/users").status_code == 401
    page = client.get("/my-questionnaire", headers={"accept": "text/html"},
                      follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post("/api/queries/1/answer", headers={"X-CSRF-Token": token},
                         json={"version": 1, "answer": "x"})
    assert answer.status_code == 401


def test_patient_signs_in_to_their_own_booklet_in_their_language(
        client: TestClient, login: Login, store: Store, virtual: Any) -> None:
    nurse = login("nurse.a")
    study_id = _patient(client, nurse, language="nl")
    other = _patient(client, nurse)
    add_user(store, "admin", username="patient.1", full_name="patient", role="patient",
             site_code="A")
    set_password(store, "patient.1", PASSWORD)
    token = client.get("/api/session").json()["csrf_token"]
    client.cookies.clear()
    token = client.get("/api/session").json()["csrf_token"]
    unlinked = client.post("/api/login", json={"username": "patient.1", "password": PASSWORD},
                           headers={"X-CSRF-Token": token})
    assert unlinked.status_code == 401  # not linked to a record: no sign-in
    link_patient_account(store, "nurse.a", username="patient.1", study_id=study_id)
    headers = login("patient.1")
    assert [p["study_id"] for p in client.get("/api/patients").json()] == [study_id]
    assert client.get(f"/api/patients/{other}").status_code == 422
    assert client.get("/api/dashboard").status_code == 403  # no counts of the site's patients
    assert client.get("/api/queries").status_code == 403
    assert client.post(f"/api/patients/{study_id}/labs", headers=headers,
                       json={"labs": [virtual.labs[0]]}).status_code == 403
    page = client.get("/my-questionnaire")
    assert page.status_code == 200
    assert "Vragenlijst over uw kwaliteit van leven" in page.text  # the record's language
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert form_token is not None
    answers = {f"item{k}": str(v) for k, v in virtual.qol["answers"].items() if int(k) <= 30}
    sent = client.post("/my-questionnaire", data={**answers, "csrf_token": form_token.group(1)})
    assert sent.status_code == 200 and "Uw antwoorden zijn opgeslagen" in sent.text
    login("nurse.a")
    qol = client.get(f"/api/patients/{study_id}").json()["qol"]
    assert len(qol) == 1
    actor = store.engine.connect().exec_driver_sql(
        "SELECT DISTINCT actor FROM audit_log WHERE table_name = 'qol_questionnaires'"
    ).scalar_one()
    assert actor == "patient.1"


def test_admin_manages_users_but_not_clinical_data(client: TestClient, login: Login) -> None:
    headers = login("admin")
    made = client.post("/api/users", headers=headers, json={
        "username": "nurse.ac", "full_name": "Nurse AC", "role": "research_nurse",
        "sites": ["A", "C"], "password": PASSWORD})
    assert made.status_code == 201, made.text
    listed = {u["username"]: u for u in client.get("/api/users").json()}
    assert listed["nurse.ac"]["sites"] == ["A", "C"] and listed["admin"]["role"] == "admin"
    assert client.post("/api/patients", headers=headers,
                       json={"identifier": "x", "site_code": "A"}).status_code == 403
    nurse = login("nurse.ac")
    assert client.post("/api/users", headers=nurse, json={
        "username": "x", "full_name": "x", "role": "monitor", "sites": [],
        "password": PASSWORD}).status_code == 403
    assert client.get("/api/users").status_code == 403


def test_recist_reads_saved_at_two_visits(client: TestClient, login: Login, store: Store,
                                          virtual: Any) -> None:
    study_id = _patient(client, login("nurse.a"), consent=virtual.recist["timepoints"][0]["date"])
    radiologist = login("radiologist.a")
    reads = copy.deepcopy(virtual.recist)
    reads["settings"] = {}  # the saved reads are assessed with the default settings
    first = {**reads, "timepoints": reads["timepoints"][:2]}
    answer = client.post(f"/api/patients/{study_id}/recist", json=first, headers=radiologist)
    assert answer.status_code == 201, answer.text
    # the next visit: only the new time point (the lesions as saved), then all of them again
    second = {**reads, "timepoints": [reads["timepoints"][2]]}
    answer = client.post(f"/api/patients/{study_id}/recist", json=second, headers=radiologist)
    assert answer.status_code == 201, answer.text
    answer = client.post(f"/api/patients/{study_id}/recist", json=reads, headers=radiologist)
    assert answer.status_code == 201, answer.text
    with store.read() as session:
        def count(model: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        assert count(LesionRow) == len(reads["lesions"])
        assert count(RecistRead) == len(reads["timepoints"])
        assert count(RecistMeasurement) == sum(
            len(t["measurements_mm"]) + len(t["non_target"]) for t in reads["timepoints"])
    # the response of each read saved piecewise is the one of the whole series at once
    whole = client.post("/api/live/recist", json=reads).json()
    assert answer.json()["timepoints"] == whole["timepoints"]
    assert answer.json()["best_overall_response"] == whole["best_overall_response"]
    # a saved read cannot be changed by sending it again differently
    changed = copy.deepcopy(reads)
    changed["timepoints"][1]["measurements_mm"]["L1"] = 20.0
    refused = client.post(f"/api/patients/{study_id}/recist", json=changed, headers=radiologist)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("timepoints[1] = '2015-10-30': expected the read")


def test_record_screening_runs_the_plausibility_checks(client: TestClient, login: Login,
                                                       store: Store, virtual: Any) -> None:
    study_id = _patient(client, login("nurse.a"))
    candidate = copy.deepcopy(virtual.eligible)
    candidate["attestations"][0]["criterion"] = "X99"  # no such criterion in the protocol
    with pytest.raises(InvalidValueError, match=r"attestations\[0\]\.criterion = 'X99'"):
        record_screening(store, "investigator.a", study_id=study_id,
                         candidate=Candidate.model_validate(candidate))

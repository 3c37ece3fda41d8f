"""The REST API on a virtual patient's records (hepar.phantoms): register, consent, screen (one
candidate failing one criterion, one passing), enrol, labs with their CTCAE grade, RECIST reads
with the response, QoL with scores, adverse events, and the timeline that shows them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

Login = Callable[[str], dict[str, str]]


def _patient(client: TestClient, headers: dict[str, str], candidate: dict[str, Any],
             identifier: str) -> str:
    answer = client.post("/api/patients", json={"identifier": identifier, "sex":
                                                 candidate["sex"]}, headers=headers)
    assert answer.status_code == 201, answer.text
    study_id: str = answer.json()["study_id"]
    consented = candidate["events"].get("informed consent") or candidate["screening_date"]
    answer = client.post(f"/api/patients/{study_id}/consent",
                         json={"consented_on": consented, "form_version": "1.0"},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    return study_id


def test_screen_fail_and_pass_then_enrol(client: TestClient, login: Login, virtual: Any) -> None:
    nurse = login("nurse.a")
    failing = _patient(client, nurse, virtual.failing, "virtual-mrn-fail")
    passing = _patient(client, nurse, virtual.eligible, "virtual-mrn-pass")
    investigator = login("investigator.a")

    live = client.post("/api/live/screening", json=virtual.failing)
    assert live.status_code == 200, live.text
    assert live.json()["eligible"] is False
    verdicts = {c["id"]: c for c in live.json()["criteria"]}
    assert verdicts[virtual.failing_criterion]["verdict"] == "not met"  # an inclusion criterion
    assert verdicts[virtual.failing_criterion]["reason"]

    answer = client.post(f"/api/patients/{failing}/screening", json=virtual.failing,
                         headers=investigator)
    assert answer.status_code == 201, answer.text
    assert answer.json()["eligible"] is False
    answer = client.post(f"/api/patients/{failing}/enrol", json={"enrolled_on": "2015-08-01"},
                         headers=investigator)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("status = 'screen failure': expected 'eligible'")

    answer = client.post(f"/api/patients/{passing}/screening", json=virtual.eligible,
                         headers=investigator)
    assert answer.status_code == 201, answer.text
    assert answer.json()["eligible"] is True
    attested = [c for c in answer.json()["criteria"] if c.get("attested_by")]
    assert all(c["attested_by"] == "investigator.a" for c in attested)
    answer = client.post(f"/api/patients/{passing}/enrol",
                         json={"enrolled_on": virtual.eligible["screening_date"]},
                         headers=investigator)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "enrolled"

    timeline = client.get(f"/api/patients/{passing}").json()
    assert timeline["patient"]["status"] == "enrolled"
    assert timeline["screenings"][0]["eligible"] == "true"
    assert {c["id"] for c in timeline["screenings"][0]["criteria"]} == set(verdicts)
    statuses = client.get("/api/dashboard").json()["patients_by_status"]
    assert statuses == {"enrolled": 1, "screen failure": 1}


def test_labs_recist_qol_and_adverse_events(client: TestClient, login: Login,
                                            virtual: Any) -> None:
    nurse = login("nurse.a")
    study_id = _patient(client, nurse, virtual.eligible, "virtual-mrn-3")
    # CTCAE v4.03 "Blood bilirubin increased": grade 2 is > 1.5-3.0 x ULN (NCI CTCAE v4.03,
    # Investigations): 40 umol/L with ULN 17 is 2.35 x ULN
    bilirubin = {"analyte": "bilirubin", "value": 40.0, "unit": "umol/L", "uln": 17.0,
                 "sampled_on": virtual.eligible["screening_date"]}
    answer = client.post(f"/api/patients/{study_id}/labs",
                         json={"labs": [bilirubin, *virtual.labs[:3]]}, headers=nurse)
    assert answer.status_code == 201, answer.text
    first = answer.json()[0]["ctcae"]
    assert first["term"] == "Blood bilirubin increased" and first["grade"] == 2
    live = client.get("/api/live/ctcae", params={"analyte": "bilirubin", "value": 40,
                                                 "unit": "umol/L", "uln": 17})
    assert live.json()["grade"] == 2

    answer = client.post(f"/api/patients/{study_id}/qol", json=virtual.qol, headers=nurse)
    assert answer.status_code == 201, answer.text
    scores = answer.json()["scores"]
    # EORTC QLQ-C30 scoring manual (3rd ed.): every scale score lies in 0-100
    assert scores and all(s is None or 0 <= s <= 100 for s in scores.values())
    live = client.post("/api/live/qol", json=virtual.qol).json()
    assert live == scores

    answer = client.post(f"/api/patients/{study_id}/adverse-events",
                         json=virtual.adverse_event, headers=nurse)
    assert answer.status_code == 201, answer.text

    radiologist = login("radiologist.a")
    answer = client.post(f"/api/patients/{study_id}/recist", json=virtual.recist,
                         headers=radiologist)
    assert answer.status_code == 201, answer.text
    assessed = answer.json()
    assert assessed["best_overall_response"] in {"CR", "PR", "SD", "PD", "NE"}
    assert client.post("/api/live/recist", json=virtual.recist).json() == assessed

    timeline = client.get(f"/api/patients/{study_id}").json()
    assert timeline["labs"][0]["ctcae"]["grade"] == 2
    assert timeline["qol"][0]["scores"] == scores
    # the response recomputed from the saved measurements equals the one computed at entry
    assert timeline["recist"]["best_overall_response"] == assessed["best_overall_response"]
    assert [t["overall"] for t in timeline["recist"]["timepoints"]] == \
        [t["overall"] for t in assessed["timepoints"]]
    assert timeline["adverse_events"][0]["term"] == virtual.adverse_event["term"]
    # a nurse may not record RECIST reads (radiologists do): the store refuses it
    nurse = login("nurse.a")
    refused = client.post(f"/api/patients/{study_id}/recist", json=virtual.recist, headers=nurse)
    assert refused.status_code == 403


def test_422_text_is_the_cli_text(client: TestClient, login: Login, virtual: Any,
                                  tmp_path: Path) -> None:
    bad = {**virtual.eligible, "weight_kg": -70}
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    hepar = Path(sys.executable).with_name("hepar")  # the console script of this environment
    cli = subprocess.run([str(hepar), "screen", str(path)], capture_output=True, text=True,
                         check=False)
    assert cli.returncode == 2
    line = cli.stderr.strip().removeprefix("error: ").removeprefix("candidate.json: ")
    login("nurse.a")
    answer = client.post("/api/live/screening", json=bad)
    assert answer.status_code == 422
    assert answer.json() == {"detail": line}
    assert line.startswith("weight_kg = -70")

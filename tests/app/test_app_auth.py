"""Sign-in, sessions, CSRF, the login throttle, roles and site scoping of the web application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hepar.store import Store, read_credential

PASSWORD = "correct horse battery"


def _register(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/patients", json={"identifier": "virtual-mrn-1", **extra},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_password_is_stored_as_an_argon2id_hash(store: Store) -> None:
    credential = read_credential(store, "nurse.a")
    assert credential is not None
    assert credential.password_hash.startswith("$argon2id$")
    assert PASSWORD not in credential.password_hash


def test_logged_out_request_gets_nothing(client: TestClient) -> None:
    for path in ("/api/patients", "/api/dashboard", "/api/patients/HP-A-0000000000"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.json() == {"detail": "session = None: expected a signed-in user "
                                           "(POST /api/login or /login)"}
    page = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"


def test_session_cookie_is_signed_httponly_samesite(client: TestClient) -> None:
    answer = client.get("/api/session")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    client.cookies.set("hepar_session", "tampered." + answer.cookies["hepar_session"])
    assert client.get("/api/patients").status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/api/session")
    answer = client.post("/api/login", json={"username": "nurse.a", "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("csrf_token = None: expected the session's CSRF")


def test_write_with_wrong_csrf_token_is_refused(client: TestClient,
                                                login: Callable[[str], dict[str, str]]) -> None:
    login("nurse.a")
    answer = client.post("/api/patients", json={"identifier": "x"},
                         headers={"X-CSRF-Token": "not the token"})
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("csrf_token = '<mismatch>'")


def test_wrong_password_and_unknown_user_answer_alike(client: TestClient) -> None:
    token = client.get("/api/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    wrong = client.post("/api/login", json={"username": "nurse.a", "password": "nope-nope"},
                        headers=headers)
    unknown = client.post("/api/login", json={"username": "nobody", "password": "nope-nope"},
                          headers=headers)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"].replace("nurse.a", "X") == \
        unknown.json()["detail"].replace("nobody", "X")


def test_login_is_rate_limited_per_user(client: TestClient) -> None:
    headers = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}
    for _ in range(5):
        answer = client.post("/api/login", json={"username": "nurse.a", "password": "wrong!!!"},
                             headers=headers)
        assert answer.status_code == 401
    # the sixth try is refused before the password is checked, even the right password
    answer = client.post("/api/login", json={"username": "nurse.a", "password": PASSWORD},
                         headers=headers)
    assert answer.status_code == 429
    assert answer.json()["detail"] == ("login = 'nurse.a': expected at most 5 failed sign-ins "
                                       "per user in 900 s: wait and try again")
    # another user from the same address still signs in
    other = client.post("/api/login", json={"username": "nurse.b", "password": PASSWORD},
                        headers=headers)
    assert other.status_code == 200


def test_logout_ends_the_session(client: TestClient,
                                 login: Callable[[str], dict[str, str]]) -> None:
    headers = login("nurse.a")
    stolen = client.cookies.get("hepar_session")
    assert client.post("/api/logout", headers=headers).status_code == 204
    client.cookies.set("hepar_session", stolen or "")
    assert client.get("/api/patients").status_code == 401  # the old cookie's epoch is stale


def test_monitor_reads_but_cannot_write(client: TestClient,
                                        login: Callable[[str], dict[str, str]]) -> None:
    nurse = login("nurse.a")
    patient = _register(client, nurse)
    monitor = login("monitor.a")
    assert [p["study_id"] for p in client.get("/api/patients").json()] == [patient["study_id"]]
    answer = client.post("/api/patients", json={"identifier": "virtual-mrn-2"}, headers=monitor)
    assert answer.status_code == 403
    assert answer.json()["detail"] == ("role = 'monitor': expected a role that may write "
                                       "(monitors and statisticians read only; admins manage "
                                       "users; patients answer their own booklets)")
    answer = client.post(f"/api/patients/{patient['study_id']}/consent",
                         json={"consented_on": "2025-01-06", "form_version": "1.0"},
                         headers=monitor)
    assert answer.status_code == 403


def test_site_b_cannot_read_or_guess_site_a(client: TestClient,
                                            login: Callable[[str], dict[str, str]]) -> None:
    patient = _register(client, login("nurse.a"))
    study_id = patient["study_id"]
    # the study ID is drawn at random (50 bits), not a counter
    assert study_id.startswith("HP-A-") and len(study_id) == len("HP-A-") + 10
    second = _register(client, login("nurse.a"), identifier="virtual-mrn-2")
    assert second["study_id"] != study_id
    b = login("nurse.b")
    assert client.get("/api/patients").json() == []
    seen = client.get(f"/api/patients/{study_id}")
    missing = client.get("/api/patients/HP-A-0000000000")
    # another site's patient answers exactly as one that does not exist
    assert seen.status_code == missing.status_code == 422
    assert seen.json()["detail"].replace(study_id, "X") == \
        missing.json()["detail"].replace("HP-A-0000000000", "X")
    write = client.post(f"/api/patients/{study_id}/consent",
                        json={"consented_on": "2025-01-06", "form_version": "1.0"}, headers=b)
    assert write.status_code == 422
    assert write.json()["detail"] == seen.json()["detail"]
    # nor can B register a patient at A
    answer = client.post("/api/patients", json={"identifier": "x", "site_code": "A"}, headers=b)
    assert answer.status_code == 403


def test_study_wide_admin_sees_every_site(client: TestClient,
                                          login: Callable[[str], dict[str, str]]) -> None:
    _register(client, login("nurse.a"))
    _register(client, login("nurse.b"), identifier="virtual-mrn-9")
    login("admin")
    assert sorted(p["site"] for p in client.get("/api/patients").json()) == ["A", "B"]

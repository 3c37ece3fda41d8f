"""The server-rendered pages: sign-in form, dashboard, patient timeline, Dutch interface, and the
ePRO screen (staff signed out; the booklet in the patient's language; one-time link)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_login_form_then_dashboard(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "<h1>Sign in</h1>" in page.text
    refused = client.post("/login", data={"username": "nurse.a", "password": "wrong-wrong"})
    assert refused.status_code == 403  # no CSRF token in the form
    wrong = client.post("/login", data={"username": "nurse.a", "password": "wrong-wrong",
                                        "csrf_token": _form_token(page.text)})
    assert wrong.status_code == 401
    assert "login = &#39;nurse.a&#39;: expected a registered user name" in wrong.text
    done = client.post("/login", data={"username": "nurse.a", "password": PASSWORD,
                                       "csrf_token": _form_token(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    board = client.get("/")
    assert "<h1>Dashboard</h1>" in board.text and "Patients by status" in board.text


def test_dutch_interface(client: TestClient, login: Callable[[str], dict[str, str]]) -> None:
    login("nurse.a")
    client.cookies.set("hepar_lang", "nl")
    board = client.get("/")
    assert "<h1>Overzicht</h1>" in board.text and "Patiënten per status" in board.text
    client.cookies.delete("hepar_lang")
    assert "<h1>Dashboard</h1>" in client.get("/", headers={"accept-language": "en"}).text
    assert "<h1>Overzicht</h1>" in client.get(
        "/", headers={"accept-language": "nl-NL,nl;q=0.9"}).text


def test_epro_in_dutch_signs_staff_out(client: TestClient, login: Callable[[str], dict[str, str]],
                                       virtual: Any) -> None:
    headers = login("nurse.a")
    study_id = client.post("/api/patients", json={"identifier": "virtual-mrn-7"},
                           headers=headers).json()["study_id"]
    client.post(f"/api/patients/{study_id}/consent",
                json={"consented_on": "2025-01-06", "form_version": "1.0"}, headers=headers)
    page = client.get(f"/patients/{study_id}")
    assert page.status_code == 200 and "Hand the tablet to the patient" in page.text
    started = client.post(f"/patients/{study_id}/epro",
                          data={"language": "nl", "visit_code": "fu-3m",
                                "csrf_token": _form_token(page.text)}, follow_redirects=False)
    assert started.status_code == 303
    link = started.headers["location"]
    assert client.get("/api/patients").status_code == 401  # staff signed out of this screen
    booklet = client.get(link)
    assert booklet.status_code == 200
    assert "Vragenlijst over uw kwaliteit van leven" in booklet.text
    assert "<legend>Item 1</legend>" in booklet.text and "<legend>Item 30</legend>" in booklet.text
    answers = {f"item{k}": str(v) for k, v in virtual.qol["answers"].items() if int(k) <= 30}
    sent = client.post(link, data={**answers, "csrf_token": _form_token(booklet.text)})
    assert sent.status_code == 200 and "Uw antwoorden zijn opgeslagen" in sent.text
    assert client.get(link).status_code == 410  # one-time link
    login("nurse.a")
    qol = client.get(f"/api/patients/{study_id}").json()["qol"]
    assert len(qol) == 1 and qol[0]["visit_code"] == "fu-3m"
    assert qol[0]["answers"] == {k: v for k, v in virtual.qol["answers"].items() if int(k) <= 30}


def test_compiled_catalogue_is_used_unless_its_po_is_newer(tmp_path: Any, monkeypatch: Any
                                                           ) -> None:
    import os
    import shutil

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from hepar.app import _i18n

    folder = tmp_path / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    shutil.copy(_i18n._LOCALE / "nl" / "LC_MESSAGES" / "messages.po", po)
    with po.open("rb") as file:
        catalog = read_po(file, locale="nl")
    catalog["Dashboard"].string = "Overzicht (gecompileerd)"  # tells the two apart
    with (folder / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    os.utime(po, (1_000_000_000, 1_000_000_000))  # the .mo is newer: it is read
    monkeypatch.setattr(_i18n, "_LOCALE", tmp_path)
    token = _i18n.current_language.set("nl")
    try:
        _i18n._translations.cache_clear()
        assert _i18n.gettext_("Dashboard") == "Overzicht (gecompileerd)"
        os.utime(po)  # a site edited its .po after the install: the .po wins
        _i18n._translations.cache_clear()
        assert _i18n.gettext_("Dashboard") == "Overzicht"
    finally:
        _i18n.current_language.reset(token)
        _i18n._translations.cache_clear()


def test_admin_dashboard_lists_users_with_their_sites(client: TestClient,
                                                      login: Callable[[str], dict[str, str]]
                                                      ) -> None:
    login("admin")
    board = client.get("/").text
    assert '<section id="users">' in board and 'data-api="POST /api/users"' in board
    assert "<td>nurse.bc</td><td>nurse.bc</td><td>research_nurse</td><td>B, C</td>" in board
    login("nurse.a")
    assert '<section id="users">' not in client.get("/").text

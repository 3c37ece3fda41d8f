"""schemathesis against the OpenAPI schema of the API: generated requests (bounded: a few
examples per operation) as a signed-in research nurse never answer a server error (5xx), and
every answer validates against the schema's status codes.

The requests carry a valid session cookie and CSRF token, so they reach the routes' own
validation and the use cases instead of stopping at the sign-in check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from hepar.app import create_app
from hepar.services.web_auth import LoginThrottle
from hepar.store import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def api(store: Store) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    app = create_app(store, secret_key="schemathesis key, not a secret",
                     throttle=LoginThrottle(per_user=10_000, per_address=10_000))
    with TestClient(app) as client:
        token = client.get("/api/session").json()["csrf_token"]
        answer = client.post("/api/login", json={"username": "nurse.a", "password": PASSWORD},
                             headers={"X-CSRF-Token": token})
        assert answer.status_code == 200
        headers = {"Cookie": f"hepar_session={client.cookies['hepar_session']}",
                   "X-CSRF-Token": answer.json()["csrf_token"]}
    yield app, headers


@pytest.fixture
def api_schema(api: tuple[FastAPI, dict[str, str]]) -> Any:
    # signing out would end the session the other generated requests use
    loaded = schemathesis.openapi.from_asgi("/openapi.json", api[0])
    return loaded.exclude(path="/api/logout")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any, api: tuple[FastAPI, dict[str, str]]) -> None:
    _app, headers = api
    response = case.call(headers=headers)
    case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

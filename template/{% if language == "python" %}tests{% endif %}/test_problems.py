from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from .conftest import RESOURCE_PATH

PROBLEM = "application/problem+json"


def _assert_problem(response_json: dict[str, object], status: int, title: str) -> None:
    assert response_json["type"] == "about:blank"
    assert response_json["title"] == title
    assert response_json["status"] == status
    assert isinstance(response_json["detail"], str)
    assert response_json["detail"]


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    _assert_problem(response.json(), 404, "Not Found")


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.patch(RESOURCE_PATH, json={})
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.headers["allow"]
    _assert_problem(response.json(), 405, "Method Not Allowed")


def test_validation_problem_lists_fields(client: TestClient) -> None:
    response = client.get(RESOURCE_PATH, params={"limit": 0, "offset": -5})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    _assert_problem(body, 422, "Unprocessable Content")
    assert {error["field"] for error in body["errors"]} == {"limit", "offset"}
    assert all(isinstance(error["message"], str) for error in body["errors"])


def test_unexpected_errors_are_500_problems_without_internals(
    app: FastAPI, client: TestClient
) -> None:
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", explode)
    response = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "boom-1"
    _assert_problem(response.json(), 500, "Internal Server Error")
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text


def test_openapi_documents_the_api_and_its_problems(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        RESOURCE_PATH,
        RESOURCE_PATH + "/{id}",
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    create = paths[RESOURCE_PATH]["post"]["responses"]
    assert "201" in create
    assert PROBLEM in create["401"]["content"]
    assert create["422"]["content"][PROBLEM]["schema"]["$ref"].endswith("/ValidationProblem")
    assert "Problem" in document["components"]["schemas"]


def test_docs_are_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import jwt
import pytest
from fastapi.testclient import TestClient

from .conftest import PASSWORD, RESOURCE_PATH, TEST_JWT_SECRET, AuthHeaders

UserFactory = Callable[[], tuple[str, AuthHeaders]]


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_register_and_get_a_token(client: TestClient) -> None:
    registered = client.post(
        "/api/v1/auth/register", json={"email": "Ada@Example.com", "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == "ada@example.com"
    assert "password" not in registered.text

    token = client.post(
        "/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert token.status_code == 200
    payload = token.json()
    assert payload["token_type"] == "bearer"
    assert payload["expires_in"] == 900
    claims = jwt.decode(payload["access_token"], TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == body["id"]
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(payload["access_token"])["alg"] == "HS256"


def test_duplicate_email_is_409(client: TestClient) -> None:
    body = {"email": "dup@example.com", "password": PASSWORD}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    again = client.post("/api/v1/auth/register", json={**body, "email": "DUP@example.com"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["title"] == "Conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"password": PASSWORD}, "email"),
    ],
)
def test_register_validation(client: TestClient, body: dict[str, str], field: str) -> None:
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in [error["field"] for error in errors]
    assert PASSWORD not in response.text


def test_wrong_credentials_are_401(client: TestClient) -> None:
    client.post("/api/v1/auth/register", json={"email": "b@example.com", "password": PASSWORD})
    for body in (
        {"email": "b@example.com", "password": "wrong password"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "b@example.com", "password": "short"},
    ):
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


def _bad_tokens(user_id: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": user_id, "iat": now, "exp": now + 600}
    return {
        "malformed": "not.a.jwt",
        "garbage": "abc",
        "expired": jwt.encode(
            {"sub": user_id, "iat": now - 1000, "exp": now - 100},
            TEST_JWT_SECRET,
            algorithm="HS256",
        ),
        "wrong signature": jwt.encode(
            claims, "another-secret-of-at-least-32-chars!", algorithm="HS256"
        ),
        "other algorithm": jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS512"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "no exp": jwt.encode({"sub": user_id, "iat": now}, TEST_JWT_SECRET, algorithm="HS256"),
        "no sub": jwt.encode({"iat": now, "exp": now + 600}, TEST_JWT_SECRET, algorithm="HS256"),
        "unknown user": jwt.encode(
            {**claims, "sub": "00000000-0000-0000-0000-000000000000"},
            TEST_JWT_SECRET,
            algorithm="HS256",
        ),
    }


def test_every_bad_token_is_401(client: TestClient, make_user: UserFactory) -> None:
    user_id, _ = make_user()
    for kind, token in _bad_tokens(user_id).items():
        response = client.post(
            RESOURCE_PATH, json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, kind
        assert response.headers["www-authenticate"] == "Bearer", kind
        assert response.headers["content-type"] == "application/problem+json", kind


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer "])
def test_missing_or_non_bearer_authorization_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.post(RESOURCE_PATH, json={"name": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_good_token_works(client: TestClient, make_user: UserFactory) -> None:
    user_id, auth = make_user()
    response = client.post(RESOURCE_PATH, json={"name": "x"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["owner_id"] == user_id

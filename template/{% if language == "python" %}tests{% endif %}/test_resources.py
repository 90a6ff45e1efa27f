from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from .conftest import RESOURCE_PATH, AuthHeaders

UserFactory = Callable[[], tuple[str, AuthHeaders]]


def _is_rfc3339_with_offset(value: str) -> bool:
    parsed = datetime.fromisoformat(value)
    return parsed.tzinfo is not None and ("+" in value[10:] or value.endswith("Z"))


def test_create_get_update_delete(client: TestClient, make_user: UserFactory) -> None:
    user_id, auth = make_user()
    created = client.post(
        RESOURCE_PATH, json={"name": "first", "description": "hello", "extra": 1}, headers=auth
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert set(item) == {"id", "name", "description", "created_at", "updated_at", "owner_id"}
    assert item["name"] == "first"
    assert item["description"] == "hello"
    assert item["owner_id"] == user_id
    assert isinstance(item["id"], str)
    assert _is_rfc3339_with_offset(item["created_at"])
    assert _is_rfc3339_with_offset(item["updated_at"])
    assert created.headers["location"] == f"{RESOURCE_PATH}/{item['id']}"

    fetched = client.get(created.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == item

    updated = client.put(f"{RESOURCE_PATH}/{item['id']}", json={"name": "renamed"}, headers=auth)
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "renamed"
    assert updated.json()["description"] == ""
    assert updated.json()["created_at"] == item["created_at"]
    assert datetime.fromisoformat(updated.json()["updated_at"]) >= datetime.fromisoformat(
        item["updated_at"]
    )

    deleted = client.delete(f"{RESOURCE_PATH}/{item['id']}", headers=auth)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"{RESOURCE_PATH}/{item['id']}").status_code == 404
    assert client.delete(f"{RESOURCE_PATH}/{item['id']}", headers=auth).status_code == 404


def test_description_defaults_to_empty(client: TestClient, auth: AuthHeaders) -> None:
    created = client.post(RESOURCE_PATH, json={"name": "n"}, headers=auth)
    assert created.status_code == 201
    assert created.json()["description"] == ""


def test_list_is_paginated_oldest_first(client: TestClient, auth: AuthHeaders) -> None:
    empty = client.get(RESOURCE_PATH)
    assert empty.status_code == 200
    assert empty.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}

    names = [f"item {n}" for n in range(5)]
    for name in names:
        assert client.post(RESOURCE_PATH, json={"name": name}, headers=auth).status_code == 201

    page = client.get(RESOURCE_PATH).json()
    assert [item["name"] for item in page["items"]] == names
    assert page["total"] == 5

    page = client.get(RESOURCE_PATH, params={"limit": 2, "offset": 1}).json()
    assert [item["name"] for item in page["items"]] == names[1:3]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)

    beyond = client.get(RESOURCE_PATH, params={"offset": 10}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 5

    assert client.get(RESOURCE_PATH, params={"limit": 100}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_list_rejects_bad_pagination(
    client: TestClient, params: dict[str, int | str], field: str
) -> None:
    response = client.get(RESOURCE_PATH, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
        ({"name": "ok", "description": "x" * 2001}, "description"),
        ([1, 2], "body"),
        ("just a string", "body"),
    ],
)
def test_create_rejects_invalid_bodies(
    client: TestClient, auth: AuthHeaders, body: object, field: str
) -> None:
    response = client.post(RESOURCE_PATH, json=body, headers=auth)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422
    assert problem["title"] == "Unprocessable Content"
    assert field in [error["field"] for error in problem["errors"]]


def test_create_rejects_malformed_json(client: TestClient, auth: AuthHeaders) -> None:
    response = client.post(
        RESOURCE_PATH,
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_limits_are_inclusive(client: TestClient, auth: AuthHeaders) -> None:
    body = {"name": "x" * 200, "description": "y" * 2000}
    assert client.post(RESOURCE_PATH, json=body, headers=auth).status_code == 201


def test_writes_need_a_token(client: TestClient, auth: AuthHeaders) -> None:
    item = client.post(RESOURCE_PATH, json={"name": "mine"}, headers=auth).json()
    for method, path in [
        ("POST", RESOURCE_PATH),
        ("PUT", f"{RESOURCE_PATH}/{item['id']}"),
        ("DELETE", f"{RESOURCE_PATH}/{item['id']}"),
    ]:
        response = client.request(method, path, json={"name": "x"})
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


def test_only_the_owner_may_change(client: TestClient, make_user: UserFactory) -> None:
    _, owner = make_user()
    _, other = make_user()
    item = client.post(RESOURCE_PATH, json={"name": "mine"}, headers=owner).json()
    path = f"{RESOURCE_PATH}/{item['id']}"

    put = client.put(path, json={"name": "stolen"}, headers=other)
    assert put.status_code == 403
    assert put.headers["content-type"] == "application/problem+json"
    assert put.json()["title"] == "Forbidden"
    assert client.delete(path, headers=other).status_code == 403
    assert client.get(path).json()["name"] == "mine"


def test_unknown_ids_are_404_problems(client: TestClient, auth: AuthHeaders) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = client.request(
            method, f"{RESOURCE_PATH}/no-such-id", json={"name": "x"}, headers=auth
        )
        assert response.status_code == 404, method
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Not Found"

"""Contract: the resource API (CRUD shapes, Location, validation, pagination, order, owner-only writes)."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.checks import (
    assert_problem,
    assert_rfc3339,
    assert_unauthorized,
    assert_unprocessable,
    describe,
)
from tests.contract.targets import rest_with_bearer_tokens

pytestmark = pytest.mark.e2e
applies_to = rest_with_bearer_tokens

FIELDS = {"id", "name", "description", "created_at", "updated_at", "owner_id"}


def assert_item(body, owner_id: str | None = None) -> dict:
    assert isinstance(body, dict), f"an item is a JSON object, got {body!r}"
    assert set(body) >= FIELDS, f"item lacks {FIELDS - set(body)}: {body}"
    assert isinstance(body["id"], str) and body["id"], f"id is an opaque non-empty string: {body}"
    assert isinstance(body["owner_id"], str) and body["owner_id"], f"owner_id is an opaque string: {body}"
    assert isinstance(body["name"], str) and isinstance(body["description"], str), body
    created = assert_rfc3339(body["created_at"], "created_at")
    updated = assert_rfc3339(body["updated_at"], "updated_at")
    assert updated >= created, f"updated_at before created_at: {body}"
    if owner_id is not None:
        assert body["owner_id"] == owner_id, f"owner_id must be the token's sub {owner_id!r}: {body}"
    return body


def test_create_read_update_delete(api, owner):
    created = api.http.post(
        api.collection, json={"name": "first", "description": "a description"}, headers=owner.auth
    )
    assert created.status_code == 201, describe(created)
    item = assert_item(created.json(), owner.id)
    assert (item["name"], item["description"]) == ("first", "a description")
    location = created.headers.get("location")
    assert location is not None, f"201 without Location: {describe(created)}"
    assert location.removeprefix(api.base_url) == api.item(item["id"]), (
        f"Location {location!r} != the new item's path"
    )

    fetched = api.http.get(api.item(item["id"]))
    assert fetched.status_code == 200, describe(fetched)
    assert fetched.json() == item, "GET returns the item as POST returned it"

    updated = api.http.put(
        api.item(item["id"]), json={"name": "renamed", "description": "changed"}, headers=owner.auth
    )
    assert updated.status_code == 200, describe(updated)
    after = assert_item(updated.json(), owner.id)
    assert (after["id"], after["name"], after["description"]) == (item["id"], "renamed", "changed")
    assert after["created_at"] == item["created_at"], "an update keeps created_at"
    assert assert_rfc3339(after["updated_at"], "updated_at") >= assert_rfc3339(
        item["updated_at"], "updated_at"
    )
    assert api.http.get(api.item(item["id"])).json() == after, "the update is stored"

    deleted = api.http.delete(api.item(item["id"]), headers=owner.auth)
    assert deleted.status_code == 204, describe(deleted)
    assert deleted.content == b"", f"204 carries no body: {deleted.content!r}"
    assert_problem(api.http.get(api.item(item["id"])), 404)
    assert_problem(api.http.delete(api.item(item["id"]), headers=owner.auth), 404)
    assert_problem(api.http.put(api.item(item["id"]), json={"name": "x"}, headers=owner.auth), 404)


def test_description_is_optional_and_defaults_to_empty(api, owner):
    item = assert_item(api.create(owner, name="no description"), owner.id)
    assert item["description"] == ""
    updated = api.http.put(api.item(item["id"]), json={"name": "still none"}, headers=owner.auth)
    assert updated.status_code == 200, describe(updated)
    assert updated.json()["description"] == "", "PUT takes the same body as POST: description defaults to ''"


def test_unknown_fields_are_ignored_and_cannot_set_server_fields(api, owner, stranger):
    response = api.http.post(
        api.collection,
        json={"name": "extra", "colour": "blue", "id": "chosen-id", "owner_id": stranger.id},
        headers=owner.auth,
    )
    assert response.status_code == 201, describe(response)
    item = assert_item(response.json(), owner.id)
    assert "colour" not in item, f"an unknown field was echoed: {item}"
    assert item["id"] != "chosen-id", "the client chose the id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"description": "no name"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": 42}, "name"),
        ({"name": "ok", "description": "d" * 2001}, "description"),
    ],
    ids=["empty-body", "missing-name", "empty-name", "name-201", "name-not-string", "description-2001"],
)
def test_invalid_bodies_are_422_naming_the_field(api, owner, body, field):
    assert_unprocessable(api.http.post(api.collection, json=body, headers=owner.auth), field)
    item = api.create(owner, name="target of a bad update")
    assert_unprocessable(api.http.put(api.item(item["id"]), json=body, headers=owner.auth), field)


@pytest.mark.parametrize(
    "raw",
    [b"[]", b'["name"]', b'"a string"', b"42", b"null", b"{not json", b""],
    ids=["list", "list-of-str", "string", "number", "null", "broken-json", "empty"],
)
def test_a_body_that_is_not_a_json_object_is_422(api, owner, raw):
    headers = owner.auth | {"Content-Type": "application/json"}
    assert_problem(api.http.post(api.collection, content=raw, headers=headers), 422)


def test_boundary_lengths_are_accepted(api, owner):
    item = api.create(owner, name="n" * 200, description="d" * 2000)
    assert len(item["name"]) == 200 and len(item["description"]) == 2000
    assert api.create(owner, name="x")["name"] == "x"


def test_unknown_ids_are_404(api, owner):
    for unknown in (str(uuid.uuid4()), "not-a-real-id", "999999999"):
        assert_problem(api.http.get(api.item(unknown)), 404)
        assert_problem(api.http.put(api.item(unknown), json={"name": "x"}, headers=owner.auth), 404)
        assert_problem(api.http.delete(api.item(unknown), headers=owner.auth), 404)


def test_list_shape_and_defaults(api, owner):
    api.create(owner, name="listed")
    response = api.http.get(api.collection)
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert set(body) >= {"items", "total", "limit", "offset"}, describe(response)
    assert (body["limit"], body["offset"]) == (20, 0), f"defaults are limit=20, offset=0: {body}"
    assert isinstance(body["total"], int) and body["total"] >= 1
    assert isinstance(body["items"], list) and 1 <= len(body["items"]) <= 20
    for item in body["items"]:
        assert_item(item)


def test_pagination_window_total_and_oldest_first(api, owner):
    total_before = api.http.get(api.collection, params={"limit": 1}).json()["total"]
    tag = uuid.uuid4().hex[:8]
    names = [f"page-{tag}-{i}" for i in range(3)]
    ids = [api.create(owner, name=name)["id"] for name in names]

    window = api.http.get(api.collection, params={"limit": 3, "offset": total_before})
    assert window.status_code == 200, describe(window)
    body = window.json()
    assert body["total"] == total_before + 3, (
        f"total counts every item: {body['total']} != {total_before + 3}"
    )
    assert (body["limit"], body["offset"]) == (3, total_before)
    assert [item["id"] for item in body["items"]] == ids, "items are listed oldest first"

    middle = api.http.get(api.collection, params={"limit": 1, "offset": total_before + 1}).json()
    assert [item["name"] for item in middle["items"]] == names[1:2]
    assert (middle["limit"], middle["offset"]) == (1, total_before + 1)

    beyond = api.http.get(api.collection, params={"limit": 100, "offset": total_before + 3})
    assert beyond.status_code == 200, describe(beyond)
    assert beyond.json()["items"] == [] and beyond.json()["total"] == total_before + 3

    full = api.http.get(api.collection, params={"limit": 100, "offset": 0})
    assert full.status_code == 200, describe(full)
    assert len(full.json()["items"]) == min(100, total_before + 3)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "first"}, "offset"),
    ],
    ids=[
        "limit-0",
        "limit-101",
        "limit-negative",
        "limit-not-number",
        "offset-negative",
        "offset-not-number",
    ],
)
def test_out_of_range_pagination_is_422_naming_the_field(api, params, field):
    assert_unprocessable(api.http.get(api.collection, params=params), field)


def test_writes_need_a_token(api, owner):
    item = api.create(owner, name="protected")
    assert_unauthorized(api.http.post(api.collection, json={"name": "anonymous"}))
    assert_unauthorized(api.http.put(api.item(item["id"]), json={"name": "anonymous"}))
    assert_unauthorized(api.http.delete(api.item(item["id"])))
    assert api.http.get(api.item(item["id"])).json() == item, "rejected writes changed nothing"


def test_only_the_owner_may_update_or_delete(api, owner, stranger):
    item = api.create(owner, name="mine")
    assert_problem(api.http.put(api.item(item["id"]), json={"name": "theirs"}, headers=stranger.auth), 403)
    assert_problem(api.http.delete(api.item(item["id"]), headers=stranger.auth), 403)
    assert api.http.get(api.item(item["id"])).json() == item, "forbidden writes changed nothing"
    # Reading stays public; the stranger's own items are theirs.
    theirs = api.create(stranger, name="theirs")
    assert theirs["owner_id"] == stranger.id != owner.id
    assert api.http.delete(api.item(item["id"]), headers=owner.auth).status_code == 204
